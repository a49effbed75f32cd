"""`assistant articles`: what is indexed, article by article; one article's text; removal."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.filtering import Outlet, Since, Until
from assistant.cli.options import AsJSON as AsJson

articles_app = typer.Typer(
    help="What is indexed, article by article: list (the default), show ID, remove ID….",
    rich_markup_mode=None,
)

Contains = Annotated[
    str | None,
    typer.Option("--contains", metavar="TEXT", help="Only titles or ids holding TEXT."),
]


@articles_app.callback(invoke_without_command=True)
def articles(
    ctx: typer.Context,
    as_json: AsJson = False,
    outlet: Outlet = None,
    since: Since = None,
    until: Until = None,
    contains: Contains = None,
) -> None:
    """List the indexed articles (the same as `articles list`)."""
    if ctx.invoked_subcommand is None:
        list_articles(as_json, outlet, since, until, contains)
    elif as_json or outlet or since or until or contains:
        from assistant.errors import InputError

        raise InputError(
            f"Options before `{ctx.invoked_subcommand}` are not used",
            f"put them after it: assistant articles {ctx.invoked_subcommand} … --json",
        )


@articles_app.command("list")
def list_articles(
    as_json: AsJson = False,
    outlet: Outlet = None,
    since: Since = None,
    until: Until = None,
    contains: Contains = None,
) -> None:
    """List the indexed articles: id, title, outlet, date, chunks, characters, source."""
    from assistant.cli.common import open_kb
    from assistant.cli.render import print_json, render_article_list, stderr, stdout
    from assistant.scope import make_scope
    from assistant.service import indexed_articles
    from vectorstore.search.manifest import ArticleFilter, describe

    dates = make_scope(since=since, until=until, outlets=outlet or []).filters
    chosen = ArticleFilter(
        outlets=dates.outlets, since=dates.since, until=dates.until, contains=contains
    )
    _, kb = open_kb()
    found = indexed_articles(kb, chosen)
    if as_json:
        print_json([describe(article) for article in found])
    elif found:
        render_article_list(found, stdout())
    else:
        stderr().print(
            "No article matches." if chosen != ArticleFilter() else "No articles are indexed.",
            markup=False,
        )


@articles_app.command("show")
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.")],
    removed: Annotated[
        bool, typer.Option("--removed", help="Show the lines cleaning removed instead.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Print an article's cleaned text as stored (what passages and quotes are taken from)."""
    from assistant.cli.common import open_kb
    from assistant.cli.render import print_json, render_article, stdout
    from assistant.service import show_article
    from vectorstore.search.manifest import describe

    _, kb = open_kb()
    shown = show_article(kb, article_id, with_removed=removed)
    if as_json:
        extra = {"removed": shown.removed} if removed else {}
        print_json({**describe(shown.article), "text": shown.text, **extra})
    else:
        render_article(shown, stdout(), removed=removed)


@articles_app.command("remove")
def remove(
    article_ids: Annotated[list[str], typer.Argument(metavar="ID", help="The articles' ids.")],
) -> None:
    """Remove articles from the index: all of them, or none when an id is unknown."""
    from assistant.cli.common import open_kb
    from assistant.cli.render import safe, stdout
    from assistant.service import remove_articles

    _, kb = open_kb()
    gone = remove_articles(kb, article_ids)
    console = stdout()
    for article in gone:
        console.print(f"removed {safe(article.id)}: {safe(article.title)}", markup=False)
    console.print(f"{len(gone)} removed", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(articles_app, name="articles")
