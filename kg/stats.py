"""Network analytics a researcher asks of the graph, read off the same networkx projection the network page draws
(`kg.outputs.viz.project`): which risk factors and treatment areas link the most conditions, which conditions share
the most with a given one, and how the graph falls apart into connected components.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.outputs.viz import TYPES_BY_KEY, curie, find_condition, project


@dataclass(frozen=True, slots=True)
class Ranked:
    """A node and how many conditions it links (or shares with the condition asked about)."""

    iri: str
    label: str
    type: str
    count: int
    shared: tuple[str, ...] = ()  # labels of what is shared (for `sharing_with`)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": curie(self.iri), "label": self.label, "type": self.type, "count": self.count}
        if self.shared:
            out["shared"] = list(self.shared)
        return out


@dataclass(frozen=True, slots=True)
class Components:
    """Connected components, ignoring edge direction: how many, their sizes, and the conditions left alone."""

    count: int
    sizes: tuple[int, ...]  # nodes per component, largest first
    largest_conditions: int  # conditions in the largest component
    isolated_conditions: tuple[str, ...]  # labels of conditions that share nothing with any other

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "sizes": list(self.sizes),
            "largest_conditions": self.largest_conditions,
            "isolated_conditions": list(self.isolated_conditions),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """What `kg stats` prints."""

    counts: dict[str, int]
    links: int
    risk_factors: list[Ranked]
    treatment_areas: list[Ranked]
    components: Components
    condition: Ranked | None = None
    sharing: list[Ranked] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "counts": self.counts,
            "links": self.links,
            "risk_factors": [r.to_json() for r in self.risk_factors],
            "treatment_areas": [r.to_json() for r in self.treatment_areas],
            "components": self.components.to_json(),
        }
        if self.condition is not None:
            out["condition"] = self.condition.to_json()
            out["sharing"] = [r.to_json() for r in self.sharing]
        return out


def _conditions_linked(g: nx.MultiDiGraph, node: str) -> set[str]:
    return {n for n in nx.all_neighbors(g, node) if g.nodes[n]["kind"] == "condition"}


def most_connected(g: nx.MultiDiGraph, kind: str, top: int = 10) -> list[Ranked]:
    """Nodes of `kind` ('risk-factor' or 'treatment-area') by the number of distinct conditions they link; ties
    by label."""
    ranked = [
        Ranked(n, d["label"], d["type"], len(_conditions_linked(g, n)))
        for n, d in g.nodes(data=True)
        if d["kind"] == kind
    ]
    ranked.sort(key=lambda r: (-r.count, r.label.casefold(), r.iri))
    return ranked[:top]


def sharing_with(g: nx.MultiDiGraph, condition: str, top: int = 10) -> list[Ranked]:
    """Conditions sharing the most risk factors and treatment areas with `condition` (a node IRI), with what they
    share."""
    shared: dict[str, list[str]] = {}
    for factor in sorted(set(nx.all_neighbors(g, condition))):
        if g.nodes[factor]["kind"] == "condition":
            continue
        for other in _conditions_linked(g, factor) - {condition}:
            shared.setdefault(other, []).append(g.nodes[factor]["label"])
    ranked = [
        Ranked(o, g.nodes[o]["label"], "condition", len(items), tuple(sorted(items, key=str.casefold)))
        for o, items in shared.items()
    ]
    ranked.sort(key=lambda r: (-r.count, r.label.casefold(), r.iri))
    return ranked[:top]


def components(g: nx.MultiDiGraph) -> Components:
    """Weakly connected components (a condition and its factors form one; shared factors join conditions)."""
    comps = sorted(nx.weakly_connected_components(g), key=lambda c: (-len(c), min(c))) if len(g) else []
    isolated = sorted(
        (
            g.nodes[n]["label"]
            for c in comps
            for n in c
            if g.nodes[n]["kind"] == "condition" and sum(g.nodes[m]["kind"] == "condition" for m in c) == 1
        ),
        key=str.casefold,
    )
    largest = sum(g.nodes[n]["kind"] == "condition" for n in comps[0]) if comps else 0
    return Components(len(comps), tuple(len(c) for c in comps), largest, tuple(isolated))


def report(graph: Any, *, condition: str | None = None, top: int = 10) -> Report:
    """All of `kg stats` for a graph (rdflib/pyoxigraph graph or a projection)."""
    g = project(graph)
    counts = Counter(d["kind"] for _, d in g.nodes(data=True))
    focus = None
    sharing: list[Ranked] = []
    if condition is not None:
        node = find_condition(g, condition)
        focus = Ranked(node, g.nodes[node]["label"], "condition", g.degree(node))
        sharing = sharing_with(g, node, top)
    return Report(
        counts={k: counts.get(k, 0) for k in ("condition", "risk-factor", "treatment-area")},
        links=g.number_of_edges(),
        risk_factors=most_connected(g, "risk-factor", top),
        treatment_areas=most_connected(g, "treatment-area", top),
        components=components(g),
        condition=focus,
        sharing=sharing,
    )


def format_report(r: Report) -> str:
    """The report as plain text, one ranked item per line."""
    c = r.counts
    lines = [
        f"{c['condition']} conditions, {c['risk-factor']} risk factors, {c['treatment-area']} treatment areas, "
        f"{r.links} links",
        "",
        "Most connected risk factors (conditions linked):",
        *_ranked_lines(r.risk_factors, "no risk factors in this graph"),
        "",
        "Most connected treatment areas (conditions linked):",
        *_ranked_lines(r.treatment_areas, "no treatment areas in this graph"),
        "",
    ]
    comp = r.components
    sizes = ", ".join(str(s) for s in comp.sizes[:10]) + (", ..." if len(comp.sizes) > 10 else "")
    lines.append(
        f"Connected components: {comp.count} (nodes in each: {sizes or 'none'}); "
        f"the largest holds {comp.largest_conditions} conditions"
    )
    if comp.isolated_conditions:
        shown = "; ".join(comp.isolated_conditions[:10]) + ("; ..." if len(comp.isolated_conditions) > 10 else "")
        lines.append(f"Conditions sharing nothing with another: {len(comp.isolated_conditions)} ({shown})")
    if r.condition is not None:
        lines += ["", f"Conditions sharing the most with {r.condition.label} (shared risk factors, treatment areas):"]
        lines += [f"  {x.count:>5}  {x.label}: {'; '.join(x.shared)}" for x in r.sharing] or ["  none"]
    return "\n".join(lines) + "\n"


def _ranked_lines(items: list[Ranked], empty: str) -> list[str]:
    if not items:
        return [f"  {empty}"]
    return [f"  {x.count:>5}  {x.label} ({TYPES_BY_KEY[x.type].label.lower()})" for x in items]
