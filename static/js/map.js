// The map of BIN areas (templates/public/_map.html): reads its GeoJSON from a
// <script type="application/json"> element, so the page needs no inline script (strict CSP).
// Background tiles load only when the zone set a tile server (data-tile-url); without them the
// area and its streets are drawn on a plain background.
(function () {
  "use strict";
  var canvas = document.getElementById("bin-map");
  if (!canvas || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(document.getElementById(canvas.dataset.mapData).textContent);
  canvas.hidden = false;

  var map = L.map(canvas, { scrollWheelZoom: false, zoomSnap: 0.5 });
  var tileUrl = canvas.dataset.tileUrl;
  if (tileUrl) {
    // Leaflet shows the attribution as HTML: the zone's text is shown as text.
    var text = document.createElement("span");
    text.textContent = canvas.dataset.tileAttribution || "";
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: text.innerHTML }).addTo(map);
  }

  var styles = {
    area: { color: "#123c69", weight: 2, fillColor: "#3b7dd8", fillOpacity: 0.25 },
    street: { color: "#5c3b00", weight: 3, opacity: 0.9 },
  };
  var layer = L.geoJSON(data, {
    style: function (feature) {
      return styles[feature.properties.kind] || styles.street;
    },
    pointToLayer: function (feature, latlng) {
      if (feature.properties.kind === "address") {
        return L.circleMarker(latlng, {
          radius: 8, color: "#ffffff", weight: 3, fillColor: "#b00020", fillOpacity: 1,
        });
      }
      return L.circleMarker(latlng, { radius: 3, color: "#5c3b00", weight: 1, fillOpacity: 1 });
    },
    onEachFeature: function (feature, shape) {
      if (feature.properties.name) {
        shape.bindTooltip(feature.properties.name);
      }
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 18 });
})();
