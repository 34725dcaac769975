"""A policy cannot inject markup into a report: a run whose title, owner, rationale and group labels
are HTML and Markdown is rendered, then parsed back by an independent HTML parser (and, for the
Markdown report, by markdown-it, rich's Markdown parser) to see which elements a browser would build."""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt

from fairspec.report import render_html, render_markdown
from fairspec.report.document import Cell, Code, Document, Facts, Section, Table
from fairspec.report.to_html import render_document_html
from fairspec.report.to_markdown import render_document_markdown

from tests.report.conftest import (HOSTILE_BECAUSE, HOSTILE_LABEL, HOSTILE_OTHER_LABEL, HOSTILE_OWNER,
                                   HOSTILE_TITLE)

PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "nav",
             "a", "main", "section", "div", "dl", "dt", "dd", "span", "code", "table", "thead",
             "tbody", "tr", "th", "td", "pre", "figure", "figcaption", "ul", "li", "footer",
             "svg", "rect", "text", "line", "g", "polyline", "circle"}
MARKDOWN_TAGS = {"h1", "h2", "h3", "p", "em", "strong", "code", "pre", "ul", "li", "blockquote",
                 "table", "thead", "tbody", "tr", "th", "td"}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text between tags (entities decoded)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(elements: Elements, allowed: set[str]) -> None:
    """Only expected elements; no event handler, no source to load, links only within the page."""
    unexpected = {tag for tag, _ in elements.tags} - allowed
    assert not unexpected, unexpected
    for tag, attributes in elements.tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        assert "src" not in attributes and "srcdoc" not in attributes, (tag, attributes)
        if "href" in attributes:
            assert (attributes["href"] or "").startswith("#"), (tag, attributes)


def test_html_report_of_a_hostile_policy_builds_no_foreign_element(hostile_run):
    page = render_html(hostile_run.run_dir)
    elements = Elements(page)
    assert_inert(elements, PAGE_TAGS)
    text = "".join(elements.text)
    for hostile in (HOSTILE_LABEL, HOSTILE_OTHER_LABEL, HOSTILE_OWNER, HOSTILE_TITLE, HOSTILE_BECAUSE):
        assert hostile in text                     # shown to the reader, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert [tag for tag, _ in elements.tags].count("title") == 1


def test_html_policy_block_shows_the_recorded_text_verbatim(hostile_run):
    page = render_html(hostile_run.run_dir)
    start = page.index('<pre><code class="language-fairspec">')
    block = Elements(page[start:page.index("</code></pre>", start) + len("</code></pre>")])
    assert "".join(block.text) == hostile_run.record["policy"]["text"]


def test_markdown_report_of_a_hostile_policy_renders_inert(hostile_run):
    markdown = render_markdown(hostile_run.run_dir)
    outside_code = markdown.split("````fairspec")[0]     # the policy text is quoted verbatim in code
    assert HOSTILE_LABEL not in outside_code and HOSTILE_OWNER not in outside_code
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    elements = Elements(rendered)
    assert_inert(elements, MARKDOWN_TAGS)
    text = "".join(elements.text)
    for hostile in (HOSTILE_LABEL, HOSTILE_OTHER_LABEL, HOSTILE_OWNER, HOSTILE_TITLE):
        assert hostile in text


def test_markdown_policy_fence_outlasts_backticks_in_the_policy(hostile_run):
    rendered = MarkdownIt("commonmark").enable("table").render(render_markdown(hostile_run.run_dir))
    start = rendered.index('<pre><code class="language-fairspec">')
    block = Elements(rendered[start:rendered.index("</code></pre>", start)])
    assert "".join(block.text) == hostile_run.record["policy"]["text"]


def test_table_cells_keep_their_columns_whatever_they_hold():
    nasty = ("a | b", "`tick` | pipe", "<b>x</b>", "*not emphasis*", "[link](javascript:alert(1))", "#1")
    document = Document("t", "s", (Section("S", "s", (
        Table(("label", "mono"), tuple((text, Cell(text, mono=True)) for text in nasty)),
        Facts(tuple((text, Cell(text, "bad", mono=True)) for text in nasty)),
        Code("```\n<script>x</script>\n````", "fairspec"))),))
    rendered = MarkdownIt("commonmark").enable("table").render(render_document_markdown(document))
    elements = Elements(rendered)
    assert_inert(elements, MARKDOWN_TAGS)
    cells = Elements(rendered[rendered.index("<tbody>"):rendered.index("</tbody>")])
    assert [t for t in cells.text if t.strip()] == [text for text in nasty for _ in range(2)]
    page = Elements(render_document_html(document))
    assert_inert(page, PAGE_TAGS)
