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
        # No image: its address stays a written-out address, and so a link.
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; ![foto]("
        '<a href="https://example.org/x.png" rel="noopener noreferrer">https://example.org/x.png</a>)'
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


def test_bare_urls_become_links_without_their_trailing_punctuation():
    source = "Meer op https://politie.be/5344/tips. Of (zie https://example.org/a_(b)?x=1&y=2)."
    assert render_html(source) == (
        '<p>Meer op <a href="https://politie.be/5344/tips" rel="noopener noreferrer">'
        "https://politie.be/5344/tips</a>. Of (zie "
        '<a href="https://example.org/a_(b)?x=1&amp;y=2" rel="noopener noreferrer">'
        "https://example.org/a_(b)?x=1&amp;y=2</a>).</p>"
    )
    # The text part already shows the address as it is.
    assert render_text(source) == source + "\n"


def test_a_link_written_out_is_not_linked_twice():
    assert render_html("[https://politie.be](https://politie.be) en http://example.org") == (
        '<p><a href="https://politie.be" rel="noopener noreferrer">https://politie.be</a> en '
        '<a href="http://example.org" rel="noopener noreferrer">http://example.org</a></p>'
    )


def test_bare_urls_cannot_smuggle_markup_or_other_schemes():
    source = (
        'https://example.org/"onmouseover="alert(1) '
        "https://example.org/<script>alert(2)</script> "
        "javascript:alert(3) data:text/html,<b>x</b> ftp://example.org/f"
    )
    assert render_html(source) == (
        '<p><a href="https://example.org/" rel="noopener noreferrer">https://example.org/</a>'
        '"onmouseover="alert(1) '
        '<a href="https://example.org/" rel="noopener noreferrer">https://example.org/</a>'
        "&lt;script&gt;alert(2)&lt;/script&gt; "
        "javascript:alert(3) data:text/html,&lt;b&gt;x&lt;/b&gt; ftp://example.org/f</p>"
    )
