"""Render notices into SMS text and e-mail (subject, plain text, HTML) from Jinja2 templates.

Templates live in services/notify/templates/<kind>/: sms.txt.j2, subject.txt.j2, body.txt.j2,
body.html.j2. StrictUndefined turns a missing field into an error instead of a blank in an
official notice; autoescape is on for *.html.j2 only, so the text parts are not HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from pydantic import BaseModel

from .contexts import CONTEXT_MODELS, NoticeKind
from .formatting import FILTERS
from .sms_length import SmsPolicy, fit, segment_count, ucs2_length

DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class NoSuchTemplate(LookupError):
    """The notice kind has no template for this channel (e.g. the monthly bulletin by SMS)."""


@dataclass(frozen=True)
class OfficeInfo:
    name: str = "县效能建设办公室"
    phone: str | None = None


@dataclass(frozen=True)
class RenderedSms:
    text: str  # what the handset shows, signature included
    characters: int  # UCS-2 units, signature included
    segments: int
    truncated: bool


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def coerce_context(kind: NoticeKind, context: BaseModel | Mapping[str, Any]) -> BaseModel:
    model = CONTEXT_MODELS[NoticeKind(kind)]
    if isinstance(context, model):
        return context
    if isinstance(context, BaseModel):
        raise TypeError(f"{kind} expects {model.__name__}, got {type(context).__name__}")
    return model.model_validate(dict(context))


class NoticeRenderer:
    def __init__(
        self,
        sms_policy: SmsPolicy | None = None,
        office: OfficeInfo | None = None,
        templates_dir: Path = DEFAULT_TEMPLATES_DIR,
    ) -> None:
        self.sms_policy = sms_policy or SmsPolicy()
        self.office = office or OfficeInfo()
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates ship with the code: without this, every render stats the template file.
            auto_reload=False,
        )
        self._env.filters.update(FILTERS)
        self._env.globals["office"] = self.office
        self._has_sms: dict[str, bool] = {}

    def _render(self, kind: NoticeKind, part: str, context: BaseModel) -> str:
        try:
            template = self._env.get_template(f"{NoticeKind(kind).value}/{part}")
        except TemplateNotFound as exc:
            raise NoSuchTemplate(f"no {part} template for {kind}") from exc
        # The model is also passed as `notice` so templates can use its properties (labels).
        values = {name: getattr(context, name) for name in type(context).model_fields}
        return template.render(**values, notice=context)

    def has_sms(self, kind: NoticeKind) -> bool:
        found = self._has_sms.get(kind)
        if found is None:  # asked for every planned SMS: the loader is asked once per kind
            try:
                self._env.get_template(f"{NoticeKind(kind).value}/sms.txt.j2")
                found = True
            except TemplateNotFound:
                found = False
            self._has_sms[kind] = found
        return found

    def render_sms(self, kind: NoticeKind, context: BaseModel | Mapping[str, Any]) -> RenderedSms:
        model = coerce_context(kind, context)
        body = self._render(kind, "sms.txt.j2", model)
        # An SMS is one paragraph: template line breaks are for the template author only.
        body = re.sub(r"\s*\n\s*", "", body).strip()
        text, truncated = fit(self.sms_policy.signature + body, self.sms_policy)
        return RenderedSms(
            text=text,
            characters=ucs2_length(text),
            segments=segment_count(text),
            truncated=truncated,
        )

    def render_email(
        self, kind: NoticeKind, context: BaseModel | Mapping[str, Any]
    ) -> RenderedEmail:
        model = coerce_context(kind, context)
        subject = " ".join(self._render(kind, "subject.txt.j2", model).split())
        text = self._render(kind, "body.txt.j2", model).strip() + "\n"
        html = self._render(kind, "body.html.j2", model).strip() + "\n"
        return RenderedEmail(subject=subject, text=text, html=html)
