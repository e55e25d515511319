"""Generate docs/rules.md, the rule reference, from the bundled knowledge base.

Run: .venv/bin/python docs/gen_rules.py   (a test fails when the page is out of date)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from physio_notes._knowledge import (
    CONDITION_NAMES,
    KnowledgeBase,
    PathwayDef,
    Rule,
    Source,
    load_knowledge,
)

PAGE = Path(__file__).resolve().parent / "rules.md"


def _values(raw: object) -> str:
    items = raw if isinstance(raw, list) else [raw]
    return ", ".join(f"`{item}`" for item in items)


def _any(raw: object) -> str:
    """``X`` for one value, ``any of X, Y`` for several."""
    many = isinstance(raw, list) and len(raw) > 1
    return f"any of {_values(raw)}" if many else _values(raw)


def _yes_no(raw: object) -> str:
    return "true" if raw is True else "false"


def _one_of(raw: object) -> str:
    """``X`` for one value, ``one of X, Y`` for several."""
    many = isinstance(raw, list) and len(raw) > 1
    return f"one of {_values(raw)}" if many else _values(raw)


# One reading per condition of the closed vocabulary (physio_notes/_knowledge.py).
_READINGS: Mapping[str, Callable[[object], str]] = {
    "red_flag_any": lambda v: f"`red_flags` include {_any(v)}",
    "cause_any": lambda v: f"`causes` include {_any(v)}",
    "no_cause_among": lambda v: f"`causes` include none of {_values(v)}",
    "region_in": lambda v: f"`region` is {_one_of(v)}",
    "duration_in": lambda v: f"`duration` is {_one_of(v)}",
    "recurrent": lambda v: f"`recurrent` is {_yes_no(v)} (null never matches)",
    "eased_by_heat_and_positioning": lambda v: (
        f"`eased_by_heat_and_positioning` is {_yes_no(v)} (null never matches)"
    ),
    "spasm_type": lambda v: f"`spasm_type` is {_values(v)}",
    "cause_known": lambda v: (
        "a cause other than `unknown` is recorded" if v is True
        else "no cause is known (`causes` empty or only `unknown`)"
    ),
    "fallback": lambda v: "no other rule fired (the fallback)",
}
if set(_READINGS) != set(CONDITION_NAMES):  # a new condition needs a reading here
    raise RuntimeError(f"gen_rules.py: conditions {sorted(set(CONDITION_NAMES) ^ set(_READINGS))}")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def condition(rule: Rule) -> str:
    """A rule's ``when`` table in words: every condition must hold."""
    return "; and ".join(_READINGS[name](value) for name, value in rule.when.items())


def _source(source: Source) -> str:
    return f"{source.citation} — *{source.section}* (`{source.id}`)"


def _rule(rule: Rule) -> list[str]:
    return [
        f"#### `{rule.id}`",
        "",
        f"- **When:** {condition(rule)}.",
        f"- **Adds:** `{rule.pathway.id}`",
        f"- **Rationale:** {rule.rationale}",
        "- **Sources:**",
        *[f"    - {_source(source)}" for source in rule.sources],
        "",
    ]


_EXERCISE_WORDS = {"none": "no exercise", "gentle": "gentle exercise only",
                   "programme": "an exercise programme"}


def _roles(kb: KnowledgeBase, pathway: PathwayDef) -> str:
    """Whom the pathway refers to, how urgently, and what exercise it allows."""
    role = pathway.referral
    if role is None:
        refers = "refers nobody"
    elif role.to is None:
        refers = "refers where the most urgent red flag says, as urgently"
    else:
        refers = f"refers to the {kb.recipients[role.to].name} ({role.urgency})"
    return f"{refers}; allows {_EXERCISE_WORDS[pathway.exercises]}"


def _pathways(kb: KnowledgeBase) -> list[str]:
    lines = ["## Pathways and their rules", ""]
    for pathway in kb.pathways.values():
        lines += [
            f"### {pathway.priority}. `{pathway.id}`: {pathway.title}",
            "",
            f"{pathway.summary} (Priority {pathway.priority}; {_roles(kb, pathway)}.)",
            "",
        ]
        for rule in kb.rules:
            if rule.pathway.id == pathway.id:
                lines += _rule(rule)
    return lines


def _red_flags(kb: KnowledgeBase) -> list[str]:
    lines = [
        "## Red flags",
        "",
        "Every red flag has a rule of the `urgent-referral` pathway (the loader refuses data",
        "where one does not). `emergency`: call the emergency number or go to the emergency",
        "department now. `urgent`: see a doctor today. The patient is sent to the flag's",
        "destination, and the letter is addressed there. The sources are listed in full below.",
        "",
        "| flag | label | suspected | urgency | destination | sources |",
        "|---|---|---|---|---|---|",
    ]
    for flag, d in kb.red_flags.items():
        sources = ", ".join(f"`{s.id}`" for s in d.sources)
        lines.append(
            f"| `{flag.value}` | {_cell(d.label)} | {_cell(d.suspected)} | {d.urgency} "
            f"| {_cell(kb.recipients[d.destination].name)} | {_cell(sources)} |"
        )
    return [*lines, ""]


def _sources(kb: KnowledgeBase) -> list[str]:
    lines = ["## Sources", "", "| id | citation | section |", "|---|---|---|"]
    for source in kb.sources.values():
        lines.append(f"| `{source.id}` | {_cell(source.citation)} | {_cell(source.section)} |")
    return [*lines, ""]


def render_rules() -> str:
    """The rule reference page, as Markdown."""
    kb = load_knowledge()
    lines = [
        "# Rule reference",
        "",
        "<!-- Generated by docs/gen_rules.py from physio_notes/knowledge/*.toml."
        " Do not edit by hand. -->",
        "",
        f"Knowledge-base version: **{kb.version}** (printed in every plan as",
        "`knowledge_base_version` and in every clinician note).",
        "",
        "These are the rules `select_pathways` runs, exactly as the bundled knowledge base",
        "holds them. Every rule whose conditions all hold adds its pathway to the plan; the",
        "plan lists each pathway once, in priority order (1 first), with the rationale of",
        "every rule that fired and the sources those rules cite. A placeholder such as",
        "`{region}` in a rationale is filled in with this patient's value. The fallback rule",
        "fires only when no other rule did, so a plan is never empty.",
        "",
        *_pathways(kb),
        *_red_flags(kb),
        *_sources(kb),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(render_rules(), encoding="utf-8")
    print(f"wrote {PAGE}")
