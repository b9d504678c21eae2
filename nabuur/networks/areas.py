"""Each BIN's area on a map: drawn around the addresses its street segments cover.

A box around the addresses would take in the gardens, fields and other streets between them;
the area is instead a band along each covered street: every address point and the line from
each house number to the next on the same side, widened by BUFFER_METRES and joined. A BIN of
one or two addresses gets a small disc around each. The geometry is stored on the Network as
GeoJSON (RFC 7946: WGS84, longitude first) and drawn again whenever its segments change
(networks.services) or an import changes its streets' addresses (networks.receivers).
"""

import json
import math
from collections import defaultdict

from django.db.models import Q
from django.db.models.functions import Mod
from shapely import LineString, MultiPoint, Point, get_parts, transform, union_all
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from nabuur.zones.models import Address

from .models import Network, Segment, Side

# How far from an address or from the street line between two addresses the area reaches.
BUFFER_METRES = 25
# Two consecutive numbers farther apart than this are not joined: a street that bends away or
# a gap in the numbering must not draw a band across the blocks in between.
LINK_METRES = 150
# Vertices closer than this to the shape add nothing on a map and make the GeoJSON heavy.
SIMPLIFY_METRES = 1
# Six decimals of a degree are about 10 cm: finer is noise.
DECIMALS = 6

_METRES_PER_DEGREE_LATITUDE = 110_574
_METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111_320


def covered_addresses(network, segments=None):
    """The addresses the BIN's segments cover (every box counts), as a queryset.

    `segments` (the network's segments by default) lets a caller that holds them save a query.
    """
    if segments is None:
        segments = list(network.segments.all())
    condition = Q()
    for segment in segments:
        part = Q(street_id=segment.street_id, number__gte=segment.number_from)
        if segment.number_to is not None:
            part &= Q(number__lte=segment.number_to)
        if segment.side == Side.EVEN:
            part &= Q(parity=0)
        elif segment.side == Side.ODD:
            part &= Q(parity=1)
        condition |= part
    if not segments:
        return Address.objects.none()
    return Address.objects.alias(parity=Mod("number", 2)).filter(condition)


class _LocalMetres:
    """A flat projection in metres around a point: exact enough across one municipality."""

    def __init__(self, longitude, latitude):
        self.origin = (longitude, latitude)
        self.x_scale = _METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(latitude))

    def forward(self, x, y):
        return (
            (x - self.origin[0]) * self.x_scale,
            (y - self.origin[1]) * _METRES_PER_DEGREE_LATITUDE,
        )

    def back(self, coordinates):
        """Metres back to (longitude, latitude), for shapely.transform's array."""
        return coordinates / (self.x_scale, _METRES_PER_DEGREE_LATITUDE) + self.origin


def _round(coordinates):
    return coordinates.round(DECIMALS)


def street_lines(points):
    """The covered streets as lines and lone points, in metres.

    `points`: (street id, number, x, y) in metres. Per street and side (odd, even), the
    addresses in number order are joined, except across a gap longer than LINK_METRES.
    Returns {street id: [LineString or Point]}.
    """
    sides = defaultdict(list)
    for street_id, number, x, y in points:
        sides[(street_id, number % 2)].append((number, x, y))
    shapes = defaultdict(list)
    for (street_id, _parity), rows in sorted(sides.items()):
        rows.sort()
        run = [(rows[0][1], rows[0][2])]
        for _number, x, y in rows[1:]:
            if (x, y) == run[-1]:
                continue
            if math.dist((x, y), run[-1]) > LINK_METRES:
                shapes[street_id].append(LineString(run) if len(run) > 1 else Point(run[0]))
                run = []
            run.append((x, y))
        shapes[street_id].append(LineString(run) if len(run) > 1 else Point(run[0]))
    return shapes


def _projection(rows):
    latitudes = [float(row[2]) for row in rows]
    longitudes = [float(row[3]) for row in rows]
    return _LocalMetres(
        (min(longitudes) + max(longitudes)) / 2, (min(latitudes) + max(latitudes)) / 2
    )


def _rounded(geometry):
    """GeoJSON of a shapely geometry, coordinates rounded, exterior rings anticlockwise."""
    parts = [orient(part, sign=1.0) for part in get_parts(geometry)]
    geometry = parts[0] if len(parts) == 1 else type(geometry)(parts)
    return json.loads(json.dumps(mapping(transform(geometry, _round))))


def draw_area(rows):
    """The area around the address rows (street id, number, latitude, longitude) as a GeoJSON
    geometry dict (Polygon or MultiPolygon, lon/lat), or None without rows."""
    if not rows:
        return None
    local = _projection(rows)
    points = [
        (street_id, number, *local.forward(float(longitude), float(latitude)))
        for street_id, number, latitude, longitude in rows
    ]
    # Every address is a vertex of its street's line or a lone point: widening those covers all.
    shapes = [shape for per_street in street_lines(points).values() for shape in per_street]
    area = union_all([shape.buffer(BUFFER_METRES, quad_segs=4) for shape in shapes])
    area = area.simplify(SIMPLIFY_METRES, preserve_topology=True)
    return _rounded(transform(area, local.back))


def _rows(network, segments=None):
    return list(
        covered_addresses(network, segments)
        .order_by("street_id", "number", "pk")
        .values_list("street_id", "number", "latitude", "longitude")
    )


def update_area(network):
    """Draw the BIN's area and count its dwellings again; save them if they changed.

    Returns True when something changed. Call it inside the transaction that changed the
    segments, so the area is never older than them.
    """
    rows = _rows(network)
    geometry = draw_area(rows)
    area = json.dumps(geometry, separators=(",", ":")) if geometry else ""
    if (network.area, network.dwellings) == (area, len(rows)):
        return False
    network.area, network.dwellings = area, len(rows)
    network.save(update_fields=["area", "dwellings"])
    return True


def update_areas(networks=None):
    """Draw the areas of `networks` (all BINs by default) again; the number that changed."""
    if networks is None:
        networks = Network.objects.all()
    return sum(update_area(network) for network in networks)


def update_areas_of_streets(street_ids):
    """Draw again the areas of the BINs with a segment on one of these streets."""
    networks = Network.objects.filter(segments__street_id__in=list(street_ids)).distinct()
    return update_areas(networks)


def map_data(networks, *, streets=True):
    """What a map shows, as an RFC 7946 FeatureCollection for static/js/map.js.

    One "area" Feature per BIN that has one, and, with `streets`, one "street" Feature per
    covered street (its address points joined along the street), so the map says something
    without background tiles too.
    """
    features = []
    for network in networks:
        if network.area:
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(network.area),
                    "properties": {"kind": "area", "name": network.name},
                }
            )
    if streets:
        features.extend(_street_features(networks))
    return {"type": "FeatureCollection", "features": features}


def _street_features(networks):
    segments = list(
        Segment.objects.filter(network__in=[n.pk for n in networks]).select_related("street")
    )
    if not segments:
        return []
    names = {segment.street_id: segment.street.name for segment in segments}
    rows = list(
        covered_addresses(None, segments)
        .order_by("street_id", "number", "pk")
        .values_list("street_id", "number", "latitude", "longitude")
        .distinct()
    )
    if not rows:
        return []
    local = _projection(rows)
    points = [
        (street_id, number, *local.forward(float(longitude), float(latitude)))
        for street_id, number, latitude, longitude in rows
    ]
    features = []
    for street_id, shapes in street_lines(points).items():
        lines = [shape for shape in shapes if isinstance(shape, LineString)]
        lone = [shape for shape in shapes if isinstance(shape, Point)]
        parts = []
        if lines:
            parts.append(transform(union_all(lines), local.back))
        if lone:
            parts.append(transform(MultiPoint(lone), local.back))
        for part in parts:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _rounded_lines(part),
                    "properties": {"kind": "street", "name": names[street_id]},
                }
            )
    return features


def _rounded_lines(geometry):
    return json.loads(json.dumps(mapping(transform(geometry, _round))))
