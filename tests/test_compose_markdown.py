from nabuur.messaging.markdown import render_html, render_text

SOURCE = """Beste buren,

Er waren **drie inbraken** in de [Kerkstraat](https://example.org/kerkstraat).

- sluit je ramen
- laat licht branden

<script>alert(1)</script> ![foto](https://example.org/x.png) [klik](javascript:void)"""


def test_render_html_keeps_the_subset_and_sanitizes_the_rest():
    assert render_html(SOURCE) == (
        "<p>Beste buren,</p>\n"
        '<p>Er waren <strong>drie inbraken</strong> in de <a href="https://example.org/kerkstraat"'
        ' rel="noopener noreferrer">Kerkstraat</a>.</p>\n'
        "<ul>\n<li>sluit je ramen</li>\n<li>laat licht branden</li>\n</ul>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; ![foto](https://example.org/x.png)"
        ' <a rel="noopener noreferrer">klik</a></p>'
    )


def test_render_text_writes_links_as_text_and_url():
    assert render_text(SOURCE) == (
        "Beste buren,\n\n"
        "Er waren drie inbraken in de Kerkstraat (https://example.org/kerkstraat).\n\n"
        "- sluit je ramen\n- laat licht branden\n\n"
        "<script>alert(1)</script> ![foto](https://example.org/x.png) klik\n"
    )


def test_numbered_lists_and_emphasis():
    assert render_text("1) een\n2) *twee*") == "1. een\n2. twee\n"
    assert render_html("1. een\n2. twee") == "<ol>\n<li>een</li>\n<li>twee</li>\n</ol>"
