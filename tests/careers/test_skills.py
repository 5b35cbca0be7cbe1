"""The skills vocabulary and its matcher: word boundaries, symbols, case rules, aliases."""

from __future__ import annotations

import pytest

from workers.careers.skills import (
    Vocabulary,
    canonical,
    find_skills,
    skill_set,
    vocabulary,
)


def names(text: str) -> list[str]:
    return [name for name, _, _ in find_skills(text)]


def test_go_is_the_language_not_the_verb():
    text = "We are going to use Go. You are our go-to person. Go to market fast; let's go."
    assert names(text) == ["Go"]
    assert names("Go beyond and go ahead") == []


def test_golang_is_an_alias_of_go():
    assert names("Golang and golang services") == ["Go", "Go"]


def test_go_next_to_other_languages_and_in_compounds():
    assert names("Python/Go, Go-based tooling, Go's channels") == ["Python", "Go", "Go", "Go"]


def test_c_is_not_part_of_cpp_csharp_or_objective_c():
    assert names("C, C++, C# and Objective-C") == ["C", "C++", "C#", "Objective-C"]
    assert names("C/C++ firmware") == ["C", "C++", "Firmware"]


def test_single_letter_languages_match_only_in_their_case_and_alone():
    assert names("r and c are letters") == []
    assert names("Our R&D team, a Series C startup, C-level reporting, USB-C") == []
    assert names("statistics in R and C") == ["Statistics", "R", "C"]


def test_dotnet_and_aspnet_are_distinct_skills():
    assert names(".NET, ASP.NET and .NET Core") == [".NET", "ASP.NET", ".NET"]


def test_node_js_spellings_and_a_plain_node():
    assert names("Node.js, nodejs and Node") == ["Node.js", "Node.js", "Node.js"]
    assert names("each node in the graph") == []


def test_javascript_and_java_do_not_swallow_each_other():
    assert names("JavaScript (js), Java and Javanese") == ["JavaScript", "JavaScript", "Java"]


def test_aliases_map_to_canonical_names():
    text = "k8s, postgres, sklearn, continuous integration, RESTful APIs, golang"
    assert names(text) == [
        "Kubernetes",
        "PostgreSQL",
        "scikit-learn",
        "CI/CD",
        "REST",
        "Go",
    ]


def test_rest_the_acronym_not_the_word():
    assert names("the rest of the day") == []
    assert names("REST and gRPC") == ["REST", "gRPC"]


def test_symbols_inside_names_match_whole():
    assert names("CI/CD pipelines, A/B testing, PL/SQL") == ["CI/CD", "A/B testing", "PL/SQL"]


def test_longest_match_wins():
    assert names("React Native apps") == ["React Native"]
    assert names("Spring Boot services") == ["Spring Boot"]
    assert names("Apache Spark jobs") == ["Apache Spark"]


def test_multi_word_skills_match_across_spaces_hyphens_and_line_breaks():
    assert names("machine-learning, machine\nlearning, scikit learn") == [
        "Machine learning",
        "Machine learning",
        "scikit-learn",
    ]


def test_everyday_words_match_only_when_capitalised_as_the_product():
    assert names("react quickly to a spring sale and excel at it") == []
    assert names("React, Spring and Excel") == ["React", "Spring", "Excel"]


def test_spans_point_at_the_matched_text():
    text = "Use k8s and C++ daily"
    assert [text[start:end] for _, start, end in find_skills(text)] == ["k8s", "C++"]


def test_canonical_ignores_case_and_keeps_unknown_names():
    assert canonical("GOLANG") == "Go"
    assert canonical(" k8s ") == "Kubernetes"
    assert canonical("Zookeeper") == "Zookeeper"


def test_skill_set_also_finds_names_outside_the_vocabulary():
    found = skill_set("We run ZooKeeper and Python", extra=["Zookeeper", "Python"])
    assert found == {"Python", "Zookeeper"}


def test_vocabulary_is_a_few_hundred_categorised_skills():
    vocab = vocabulary()
    assert 250 <= len(vocab.skills) <= 400
    assert all(skill.category and 0 < skill.df < 1 for skill in vocab.skills.values())
    for required in ("Go", "C", "C++", "C#", ".NET", "R", "Node.js", "JavaScript", "Kubernetes"):
        assert required in vocab.skills


@pytest.mark.parametrize(
    "skills, problem",
    [
        ([{"name": "Go", "category": "x"}, {"name": "Go", "category": "x"}], "listed twice"),
        (
            [{"name": "Ab", "category": "x"}, {"name": "Bc", "aliases": ["ab"], "category": "x"}],
            "two",
        ),
        ([{"name": "Q", "category": "x"}], "must be exact"),
        ([{"name": "Go", "category": "x", "exact": ["GO"]}], "listed forms"),
    ],
)
def test_a_malformed_vocabulary_is_refused(skills, problem):
    with pytest.raises(ValueError, match=problem):
        Vocabulary({"skills": skills})
