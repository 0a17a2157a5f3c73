"""Where apps announce themselves (from their AppConfig.ready()), so that adding an app edits no other.

- `space_kinds`: what a space can be (discussions, chat, events, ...): its label, icon, the part of the
  space page it renders, the create form's extra settings, its unread counter, its search types;
- `sidebar_links`: the links at the top of the sidebar (Home, Latest topics, Search, ...);
- `search_types`: every kind of searchable document (see the search app, which keeps the index);
- `home_sections`: the blocks of a member's home page (what is new, continue reading, new members...);
- `profile_sections`: the blocks of a profile page below the person's own details (recent posts...);
- `settings_pages`: the pages listed in the community settings navigation;
- `account_settings_pages`: pages of a member's own settings that other apps add (notifications...);
- `member_stats`: per-member figures (posts...) that the members admin table shows and sorts by;
- `worker_starts`: what every task worker starts when it starts (periodic chains such as the events
  reminder tick, each re-queueing itself).

Core knows no app: the objects these hold are typed loosely (`Any` for a Space, a Guardian, a request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms

from townhall.core import pagecache


class Registry[T]:
    """Named entries in registration order; registering a key again replaces the entry (reloads)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}
        self._watchers: list[Callable[[T], None]] = []

    def register(self, key: str, entry: T) -> T:
        self._entries[key] = entry
        for watcher in list(self._watchers):
            watcher(entry)
        return entry

    def watch(self, fn: Callable[[T], None]) -> None:
        """Call `fn(entry)` for every entry registered so far and for each one registered later, so a
        service (the search index) also hears of apps whose ready() runs after its own."""
        self._watchers.append(fn)
        for entry in list(self._entries.values()):
            fn(entry)

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def __getitem__(self, key: str) -> T:
        try:
            return self._entries[key]
        except KeyError:
            raise LookupError(f"no {self.what} called {key!r} is registered") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def keys(self) -> list[str]:
        return list(self._entries)


# --- space kinds -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpaceKind:
    """One kind of space. `key` is stored in Space.kind.

    content:   (request, space) -> (template, context) for the part of the space page below its header,
               called only for people who may read the space;
    unread:    (guardian, space_ids) -> {space_id: count} for the sidebar and /spaces/, one query;
    settings:  extra fields of the create and settings forms, kept in Space.kind_settings;
    stylesheets: static paths the space page links when it shows this kind;
    search_types: the document types (see `search_types`) that spaces of this kind hold;
    page_cache_models: "app.Model" labels whose changes may alter cached pages of this kind;
    listed:    False for personal spaces (direct conversations): never in the space directory, the
               sidebar's space list or the "new space" kinds, and seen and read by their own members
               only (admins and moderators included: nobody reads others' private conversations);
    page_url:  space -> the page that shows spaces of this kind, when it is not the space page (the
               space page sends people there).
    """

    key: str
    label: str
    icon: str
    description: str
    content: Callable[[Any, Any], tuple[str, dict[str, Any]]]
    unread: Callable[[Any, list[int]], Mapping[int, int]] | None = None
    settings: Callable[[], dict[str, forms.Field]] | None = None
    stylesheets: tuple[str, ...] = ()
    search_types: tuple[str, ...] = ()
    page_cache_models: tuple[str, ...] = ()
    listed: bool = True
    page_url: Callable[[Any], str] | None = None


space_kinds: Registry[SpaceKind] = Registry("space kind")


def register_space_kind(kind: SpaceKind) -> SpaceKind:
    pagecache.depend_on(kind.page_cache_models)
    return space_kinds.register(kind.key, kind)


def space_kind_choices() -> list[tuple[str, str]]:
    """Choices for Space.kind: every registered kind (a callable, so the model has no fixed list)."""
    return [(kind.key, kind.label) for kind in space_kinds]


def listed_kind_choices() -> list[tuple[str, str]]:
    """The kinds a community space can be made as (personal kinds left out)."""
    return [(kind.key, kind.label) for kind in space_kinds if kind.listed]


def unlisted_kinds() -> list[str]:
    """The keys of personal kinds (`SpaceKind.listed` False), which lists of spaces leave out."""
    return [kind.key for kind in space_kinds if not kind.listed]


# --- the sidebar -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SidebarLink:
    """A link at the top of the sidebar. `shown(guardian)` decides per person (None: everyone).

    count_url: the URL name of a small fragment with a figure to show beside the link (unread
               conversations...). Pages fetch it after loading and again when a broadcast of one of
               `count_on` types arrives, so the figure is live and costs the page itself no query.
    """

    key: str
    label: str
    url_name: str
    order: int
    shown: Callable[[Any], bool] | None = None
    count_url: str | None = None
    count_on: tuple[str, ...] = ()


sidebar_links: Registry[SidebarLink] = Registry("sidebar link")


def register_sidebar_link(link: SidebarLink) -> SidebarLink:
    return sidebar_links.register(link.key, link)


def sidebar_links_for(guardian: Any) -> list[SidebarLink]:
    links = [
        link
        for link in sidebar_links
        if link.shown is None or (guardian is not None and link.shown(guardian))
    ]
    return sorted(links, key=lambda link: (link.order, link.key))


def signed_in(guardian: Any) -> bool:
    return guardian is not None and guardian.user is not None


# --- search document types ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Document:
    """What the search index keeps of one searchable thing.

    `visibility` narrows who, among those who may read `space_id`, finds it: "" for all of them, or
    "user:<id>" for one person only (a hidden topic's author). Things nobody may find have no document,
    and neither has anything outside a space (`space_id` None is kept but found by nobody today).
    """

    object_id: int
    space_id: int | None
    title: str
    body: str
    author_id: int | None
    created_at: datetime
    container_id: int | None = None  # the topic, thread or event it belongs to
    visibility: str = ""


@dataclass(frozen=True)
class SearchFilter:
    """A filter that only some document types understand (a tag, a topic kind, one topic).

    field: a new form field that parses the value, for the search page and the API alike (its errors
           are the message people see; `required=False`, and a HiddenInput widget keeps it off the page);
    where: the cleaned value -> (an SQL condition on the document table aliased "d", its params).
    """

    field: Callable[[], forms.Field]
    where: Callable[[Any], tuple[str, list[Any]]]


@dataclass(frozen=True)
class SearchType:
    """One kind of document. The search app keeps the index by calling `documents(ids)` for the ids
    that `refresh_on` maps each delivered event to (an id without a document is removed).

    documents:  ids -> the documents that exist now (built from the app's own rows);
    all_ids:    every id, in ascending batches, oldest first (for `townhall manage reindex`);
    refresh_on: event type -> (event -> ids whose documents may have changed);
    load:       ids -> {id: object} for showing hits (prefetched, one or two queries); an id missing
                from the answer is left out of the results;
    hit_template: the template that shows one hit (`hit`, `object`; `hit.snippet_html`, `hit.title_html`);
    title:      object -> the title a hit shows when its document has none of its own (a reply shows its
                topic's title); a document's own title is shown with its matches marked;
    api_fields: object -> this type's fields of one hit in /api/v1/search: at least `url`, `space` (a
                slug or None) and `author` ({username, name} or None);
    filters:    filter name -> SearchFilter, for filters only this type understands;
    stylesheets: static paths the search page links to show this type's hits;
    model:      "app.model" of the rows, so bulk writes (RowsWritten) refresh their documents.
    """

    key: str
    label: str
    model: str
    documents: Callable[[list[int]], list[Document]]
    all_ids: Callable[[], Iterable[list[int]]]
    load: Callable[[list[int]], Mapping[int, Any]]
    hit_template: str
    title: Callable[[Any], str]
    api_fields: Callable[[Any], Mapping[str, Any]]
    refresh_on: Mapping[type, Callable[[Any], Iterable[int]]] = field(default_factory=dict)
    filters: Mapping[str, SearchFilter] = field(default_factory=dict)
    stylesheets: tuple[str, ...] = ()


search_types: Registry[SearchType] = Registry("search type")


def register_search_type(search_type: SearchType) -> SearchType:
    return search_types.register(search_type.key, search_type)


# --- page sections (home, profile) --------------------------------------------------------------------
SectionRender = tuple[str, dict[str, Any]] | None


@dataclass(frozen=True)
class HomeSection:
    """A block of the member's home page.

    render:    request -> (template, context), or None to leave the section out for this person. It is
               called only for people who may read as members; it shows only what the request's
               Guardian lets them read, in a fixed number of queries whatever the amount of content;
    placement: "main" (the wide column: feeds) or "aside" (the narrow one: short lists).
    The template is rendered with the page's context plus its own (`section` is the HomeSection).
    """

    key: str
    label: str
    order: int
    render: Callable[[Any], SectionRender]
    placement: str = "main"


home_sections: Registry[HomeSection] = Registry("home section")


def register_home_section(section: HomeSection) -> HomeSection:
    return home_sections.register(section.key, section)


@dataclass(frozen=True)
class ProfileSection:
    """A block of a profile page. render: (request, person) -> (template, context) or None; it shows
    only what the viewer may read (filtered in SQL), in a fixed number of queries."""

    key: str
    label: str
    order: int
    render: Callable[[Any, Any], SectionRender]


profile_sections: Registry[ProfileSection] = Registry("profile section")


def register_profile_section(section: ProfileSection) -> ProfileSection:
    return profile_sections.register(section.key, section)


@dataclass(frozen=True)
class SectionBlock:
    """One rendered section of a page: what the page template includes (`{% section_block block %}`)."""

    key: str
    label: str
    template: str
    context: dict[str, Any]
    placement: str = "main"


def home_blocks(request: Any) -> list[SectionBlock]:
    """The home page's sections for this request, in order, leaving out those that answer None."""
    blocks = []
    for section in sorted(home_sections, key=lambda s: (s.order, s.key)):
        answer = section.render(request)
        if answer is not None:
            template, context = answer
            blocks.append(SectionBlock(section.key, section.label, template, context, section.placement))
    return blocks


def profile_blocks(request: Any, person: Any) -> list[SectionBlock]:
    """A profile page's sections for this viewer and person, in order."""
    blocks = []
    for section in sorted(profile_sections, key=lambda s: (s.order, s.key)):
        answer = section.render(request, person)
        if answer is not None:
            template, context = answer
            blocks.append(SectionBlock(section.key, section.label, template, context))
    return blocks


# --- community settings pages ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SettingsPage:
    """A page of the community settings, listed in their navigation to those `shown(request)` allows
    (ask the request's Guardian: `request.guardian`, `request.community`)."""

    key: str
    label: str
    url_name: str
    order: int
    shown: Callable[[Any], bool]


settings_pages: Registry[SettingsPage] = Registry("settings page")


def register_settings_page(page: SettingsPage) -> SettingsPage:
    return settings_pages.register(page.key, page)


def settings_pages_for(request: Any) -> list[SettingsPage]:
    if getattr(request, "guardian", None) is None:
        return []
    pages = [page for page in settings_pages if page.shown(request)]
    return sorted(pages, key=lambda page: (page.order, page.key))


# --- a member's own settings pages ------------------------------------------------------------------
@dataclass(frozen=True)
class AccountSettingsPage:
    """A page of a member's own settings that an app other than accounts adds: listed in the account
    settings navigation and on its overview (with `description`), below the accounts app's own pages."""

    key: str
    label: str
    url_name: str
    order: int
    description: str = ""


account_settings_pages: Registry[AccountSettingsPage] = Registry("account settings page")


def register_account_settings_page(page: AccountSettingsPage) -> AccountSettingsPage:
    return account_settings_pages.register(page.key, page)


def account_settings_pages_in_order() -> list[AccountSettingsPage]:
    return sorted(account_settings_pages, key=lambda page: (page.order, page.key))


# --- member figures -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberStat:
    """A figure per member for the members admin table, computed in SQL so the table can sort by it.

    expression: () -> a query expression giving the figure for the row whose user id is
                `OuterRef("user_id")` (a Subquery counting the app's rows, say), never NULL
                (wrap it in Coalesce). It should use an index on the user column: it runs per listed row.
    """

    key: str
    label: str
    expression: Callable[[], Any]


member_stats: Registry[MemberStat] = Registry("member stat")


def register_member_stat(stat: MemberStat) -> MemberStat:
    return member_stats.register(stat.key, stat)


# --- worker starts ---------------------------------------------------------------------------------
# What a task worker starts when it starts (an app's self-re-enqueuing daily task): key -> a callable.
worker_starts: Registry[Callable[[], object]] = Registry("worker start")


def start_worker_chains() -> None:
    """Call every registered worker start; one that fails is logged and the others still run."""
    for start in worker_starts:
        try:
            start()
        except Exception:
            logging.getLogger(__name__).exception("a worker start failed")
