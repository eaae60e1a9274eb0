"""`kg query` and kg.query: parameters as RDF terms, syntax errors with positions, the four output formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, Store, parse_query_results

from kg import vocab
from kg.cli import main
from kg.outputs.store import load_rdf_file, write_store
from kg.query import (
    QueryError,
    QueryResult,
    format_result,
    parse_param_args,
    parse_term,
    read_query,
    required_params,
    run_query,
)

MINI = Path(__file__).parent / "fixtures" / "sparql" / "mini.trig"
CONDITIONS = "SELECT ?c WHERE { ?c a rkg:RareCondition } ORDER BY ?c"


@pytest.fixture(scope="module")
def mini() -> Store:
    return load_rdf_file(MINI)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cond:rett-syndrome", NamedNode(str(vocab.COND["rett-syndrome"]))),
        ("<urn:x:y>", NamedNode("urn:x:y")),
        ("https://example.org/a?b=c", NamedNode("https://example.org/a?b=c")),
        ("1e-4", Literal("1e-4", datatype=NamedNode(str(vocab.XSD.double)))),
        ("42", Literal("42", datatype=NamedNode(str(vocab.XSD.integer)))),
        ("true", Literal("true", datatype=NamedNode(str(vocab.XSD.boolean)))),
        ('"Rett syndrome"@en', Literal("Rett syndrome", language="en")),
        ('"2026-01-01"^^xsd:date', Literal("2026-01-01", datatype=NamedNode(str(vocab.XSD.date)))),
        ("Rett syndrome", Literal("Rett syndrome")),
        ("ORPHA:778", Literal("ORPHA:778")),  # not one of our prefixes: an identifier string
        ("1-9 / 100 000", Literal("1-9 / 100 000")),
        ("<1 / 1 000 000", Literal("<1 / 1 000 000")),  # an Orphanet class, not a broken IRI
        ("cond:a <urn:x:p> <urn:x:o>", Literal("cond:a <urn:x:p> <urn:x:o>")),  # two terms are not one value
    ],
)
def test_parameter_values_are_read_as_one_rdf_term(value: str, expected: object) -> None:
    assert parse_term(value) == expected


def test_a_malformed_quoted_value_is_an_error_not_a_string() -> None:
    with pytest.raises(QueryError, match="not a valid IRI or literal"):
        parse_term('"unterminated')
    with pytest.raises(QueryError, match="not a valid IRI or literal"):
        parse_term("<not an iri>x>".replace(" ", ""))


def test_prefixes_declared_by_the_query_are_usable_in_parameters(mini: Store) -> None:
    query = "PREFIX c: <https://w3id.org/rare-kg/condition/>\nSELECT ?c ?l WHERE { ?c skos:prefLabel ?l }"
    result = run_query(query, mini, {"c": "c:rett-syndrome"})
    assert [str(r[1].value) for r in result.rows] == ["Rett syndrome"]


def test_parameters_are_never_spliced_into_the_query(mini: Store) -> None:
    """A hostile value stays a string: no extra rows, no error, the store unchanged."""
    before = len(mini)
    query = "SELECT ?c ?name WHERE { ?c skos:prefLabel ?label FILTER(STR(?label) = STR(?name)) }"
    for hostile in ['x" || true) } #', "x' } ; DROP ALL ; #", "?c", 'Rett syndrome" . ?s ?p ?o']:
        result = run_query(query, mini, {"name": hostile})
        assert result.rows == ()
    assert len(mini) == before
    found = run_query("SELECT ?c ?name WHERE { ?c skos:prefLabel ?name }", mini, {"name": '"Rett syndrome"@en'})
    assert [r[0] for r in found.rows] == [NamedNode(str(vocab.COND["rett-syndrome"]))]


def test_parameters_must_name_a_variable_of_the_query(mini: Store) -> None:
    with pytest.raises(QueryError, match=r"'nope' is not a variable of the query \(its variables: c\)"):
        run_query(CONDITIONS, mini, {"nope": "1"})
    with pytest.raises(QueryError, match=r"must be a column of the query; add \?t to its SELECT clause"):
        run_query("SELECT ?c WHERE { ?c ?p ?t }", mini, {"t": "1"})


def test_param_arguments_are_name_value_pairs() -> None:
    assert parse_param_args(["?a=1", "$b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_param_args(["novalue"])
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_param_args(["1bad=3"])


@pytest.mark.parametrize(
    ("query", "line", "column", "message"),
    [
        # rdflib's parser (asked once Oxigraph has refused the query) points at the triple it cannot read
        ("SELECT ?c WHERE {\n  ?c a rkg:RareCondition .\n  ?c FOO ?x }", 3, 3, "cannot parse from here on: '?c FOO"),
        ("SELECT ?c WHERE { ?c a rkg:RareCondition } GARBAGE", 1, 44, "cannot parse from here on: 'GARBAGE'"),
        ("PREFIX a: <urn:a:>\nSELECT * WHERE {\n  ?s a:b zz:c }", 3, 10, "unknown prefix 'zz:'"),
        ("SELECT ?c WHERE { ?c ?p ", 1, 19, "cannot parse from here on: '?c ?p'"),
        ("SELECT ?c WHERE { ?c ?p ?o ", 1, 28, "unexpected end of query"),
    ],
)
def test_syntax_errors_give_line_and_column(mini: Store, query: str, line: int, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(query, mini, name="q.rq")
    error = caught.value
    assert (error.line, error.column) == (line, column)
    first, text, caret = str(error).splitlines()
    assert first.startswith(f"q.rq: syntax error at line {line}, column {column}: {message}")
    assert text.strip() == query.splitlines()[line - 1].strip()
    assert caret.index("^") - 2 == column - 1, "the caret points at the column"


def test_read_query_takes_a_file_or_the_text(tmp_path: Path) -> None:
    file = tmp_path / "q.rq"
    file.write_text(CONDITIONS, encoding="utf-8")
    assert read_query(str(file)) == (CONDITIONS, str(file))
    assert read_query(CONDITIONS) == (CONDITIONS, "")
    with pytest.raises(QueryError, match="no such query file"):
        read_query(str(tmp_path / "missing.rq"))


def test_every_source_kind_gives_the_same_answer(mini: Store, tmp_path: Path) -> None:
    build = tmp_path / "build"
    quads = load_rdf_file(MINI).quads_for_pattern(None, None, None, None)
    by_graph: dict[NamedNode, list] = {}
    for quad in quads:
        if isinstance(quad.graph_name, NamedNode):
            by_graph.setdefault(quad.graph_name, []).append(quad)
    write_store(build, by_graph)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(MINI, format="trig")
    answers = [run_query(CONDITIONS, source).rows for source in (mini, MINI, str(MINI), build, dataset)]
    assert all(a == answers[0] for a in answers)
    assert len(answers[0]) == 5
    assert by_graph.keys() == {NamedNode(str(vocab.DOC[c.value.rsplit("/", 1)[1]])) for (c,) in answers[0]}


def test_ask_and_construct_results(mini: Store) -> None:
    assert run_query("ASK { ?c a rkg:RareCondition }", mini).boolean is True
    graph = run_query("CONSTRUCT { ?c a rkg:RareCondition } WHERE { ?c a rkg:RareCondition }", mini)
    assert graph.kind == "graph" and graph.variables == ("subject", "predicate", "object") and len(graph) == 5


TRICKY = QueryResult(
    "select",
    ("iri", "text", "number", "missing", "bnode"),
    (
        (
            NamedNode(str(vocab.RKG.Evidence)),
            Literal('a "quoted", tabbed\tand\nnew-lined\x1b[31m text', language="en"),
            Literal("1.5E-4", datatype=NamedNode(str(vocab.XSD.double))),
            None,
            BlankNode("b0"),
        ),
    ),
)


def test_csv_follows_the_sparql_results_csv_format() -> None:
    text = format_result(TRICKY, "csv")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(TRICKY.variables)
    assert rows[1] == [str(vocab.RKG.Evidence), 'a "quoted", tabbed\tand\nnew-lined\x1b[31m text', "1.5E-4", "", "_:b0"]


@pytest.mark.parametrize(("fmt", "media"), [("tsv", QueryResultsFormat.TSV), ("json", QueryResultsFormat.JSON)])
def test_tsv_and_json_read_back_with_a_standard_parser(fmt: str, media: QueryResultsFormat) -> None:
    parsed = parse_query_results(format_result(TRICKY, fmt).encode("utf-8"), media)
    assert [v.value for v in parsed.variables] == list(TRICKY.variables)
    [solution] = list(parsed)
    assert [solution[v] for v in TRICKY.variables] == list(TRICKY.rows[0])


def test_json_of_ask() -> None:
    assert json.loads(format_result(QueryResult("ask", (), (), True), "json")) == {"head": {}, "boolean": True}


def test_table_shortens_iris_and_never_prints_control_characters() -> None:
    table = format_result(TRICKY, "table")
    lines = table.splitlines()
    assert lines[0].split() == list(TRICKY.variables)
    assert "rkg:Evidence" in lines[2]
    assert "\x1b" not in table and "\t" not in table and len(lines) == 4, "data cannot break the layout"
    assert "\\x1b[31m" in lines[2] and "\\n" in lines[2]
    assert lines[-1] == "(1 row)"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(QueryError, match="unknown format 'xml'"):
        format_result(TRICKY, "xml")


def test_cli_query_with_params_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    query = str(Path(__file__).parents[1] / "queries" / "find-condition.rq")
    code = main(["query", query, "--graph", str(MINI), "--param", "text=sacral", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    assert list(csv.reader(io.StringIO(out)))[1][:3] == [
        str(vocab.COND["caudal-regression-syndrome"]),
        "Caudal regression syndrome",
        "sacral agenesis",
    ]


def test_cli_reports_errors_with_the_place_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT ?c WHERE { ?c ?p }", "--graph", str(MINI)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kg query: syntax error at line 1, column 19")
    assert main(["query", CONDITIONS, "--graph", str(MINI), "--param", "x=1"]) == 2
    assert "not a variable of the query" in capsys.readouterr().err


def test_cli_rdflib_engine_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", CONDITIONS, "--graph", str(MINI), "--format", "tsv"]) == 0
    oxigraph = capsys.readouterr().out
    assert main(["query", CONDITIONS, "--graph", str(MINI), "--format", "tsv", "--engine", "rdflib"]) == 0
    assert capsys.readouterr().out == oxigraph
    assert oxigraph.count("\n") == 6


def test_cli_uses_the_last_build_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import kg.build

    pointer = tmp_path / "state" / "last-build"
    monkeypatch.setattr(kg.build, "LAST_BUILD_POINTER", pointer)
    monkeypatch.chdir(tmp_path)
    assert main(["query", CONDITIONS]) == 2
    assert "build: no such file or folder" in capsys.readouterr().err, "without a record, ./build"
    store = load_rdf_file(MINI)

    def build_of(name: str) -> Path:
        graph = NamedNode(str(vocab.DOC[name]))
        out = tmp_path / name
        write_store(out, {graph: list(store.quads_for_pattern(None, None, None, graph))})
        return out

    build_of("rett-syndrome").rename(tmp_path / "build")
    assert main(["query", CONDITIONS, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["c", str(vocab.COND["rett-syndrome"])]
    pointer.parent.mkdir()
    pointer.write_text(str(build_of("angelman-syndrome")) + "\n", encoding="utf-8")
    assert main(["query", CONDITIONS, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["c", str(vocab.COND["angelman-syndrome"])], "the recorded build wins"


NEEDS_CONDITION = """# A query that needs a condition
#
# Parameters:
#   ?c  required; a condition IRI such as cond:rett-syndrome. (Without it the query lists every condition.)
#   ?l  optional; a label.
#
# Columns: c, l.
SELECT ?c ?l WHERE { ?c a rkg:RareCondition ; skos:prefLabel ?l }
"""


def test_the_header_says_which_parameters_are_required() -> None:
    assert required_params(NEEDS_CONDITION) == {
        "c": "a condition IRI such as cond:rett-syndrome. (Without it the query lists every condition.)"
    }
    assert required_params(NEEDS_CONDITION.replace("required;", "optional;")) == {}
    assert required_params("SELECT ?c WHERE { ?c ?p ?o }") == {}, "no header, nothing required"
    below_the_header = "# Title\n#\n# Parameters:\n#   ?c  optional.\n" + "SELECT ?c WHERE { }\n# ?x  required; no\n"
    assert required_params(below_the_header) == {}, "only the leading comment block counts"


def test_a_required_parameter_must_be_given(mini: Store) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(NEEDS_CONDITION, mini, {"l": '"Rett syndrome"@en'}, name="q.rq")
    assert str(caught.value) == (
        "q.rq: this query needs ?c, a condition IRI such as cond:rett-syndrome; pass it with --param c=VALUE"
    )
    found = run_query(NEEDS_CONDITION, mini, {"c": "cond:rett-syndrome"})
    assert [str(r[1].value) for r in found.rows] == ["Rett syndrome"]


def test_cli_explains_a_missing_required_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = tmp_path / "needs.rq"
    query.write_text(NEEDS_CONDITION, encoding="utf-8")
    assert main(["query", str(query), "--graph", str(MINI)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kg query: {query}: this query needs ?c, a condition IRI such as cond:rett-syndrome")
    assert err.count("\n") == 1, "one line"
    assert main(["query", str(query), "--graph", str(MINI), "--param", "c=cond:rett-syndrome", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"{vocab.COND['rett-syndrome']},Rett syndrome"


def test_cli_stops_quietly_when_the_reader_closes_the_pipe() -> None:
    """`kg query ... | head -1`: the rows the reader wanted arrive, and no traceback follows once it has gone
    (exit status 141, as a shell reports for a command stopped by a closed pipe)."""
    import subprocess
    import sys

    big = "SELECT ?s ?p ?o WHERE { ?s ?p ?o . ?a ?b ?c }"  # large enough to be still writing when the reader leaves
    cmd = [sys.executable, "-m", "kg.cli", "query", big, "--graph", str(MINI), "--format", "tsv"]
    writer = subprocess.Popen(cmd, cwd=Path(__file__).parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.read(3) == b"?s\t"
    writer.stdout.close()  # the reader goes away
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
