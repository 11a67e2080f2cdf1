"""Template syntax never flags or moves a finding; words inside `{% if %}`/`{{#if}}` are still checked."""

from __future__ import annotations

import pytest

from tonecheck.cleanup import clean
from tonecheck.cleanup.placeholders import find_placeholders

BAD = "You failed to attach the form!!!"


@pytest.mark.parametrize(
    ("tag", "is_value"),
    [
        ("{{ name }}", True),
        ("{{{ body_html }}}", True),
        ("{{& raw }}", True),
        ("{{ name | upcase }}", True),
        ("{{- name -}}", True),
        ("${ user.id }", True),
        ("{% if late %}", False),
        ("{%- endif -%}", False),
        ("{# You failed to read this!!! #}", False),
        ("{{! You failed to read this!!! }}", False),
        ("{{!-- You failed to {{read}} this!!! --}}", False),
        ("{{~!-- trimmed --~}}", False),
        ("{{#if overdue}}", False),
        ("{{~#each items~}}", False),
        ("{{/if}}", False),
        ("{{else}}", False),
        ("{{^ empty }}", False),
        ("{{> footer }}", False),
        ("{{=<% %>=}}", False),
        ("{% comment %}You failed to read this!!! {{ x }}{% endcomment %}", False),
        ("{%- comment -%}\nYou failed to\n{%- endcomment -%}", False),
        ("{% liquid\n  assign x = 1\n  echo x\n%}", False),
    ],
)
def test_cleanup_template_tag_is_one_placeholder(tag: str, is_value: bool) -> None:
    [found] = find_placeholders(f"Hi {tag} there")
    assert (found.range.start, found.range.end, found.is_value) == (3, 3 + len(tag), is_value)


@pytest.mark.parametrize(
    "template",
    [
        "{% if late %}" + BAD + "{% endif %}",
        "{%- if late -%}\n" + BAD + "\n{%- else -%}\nThanks.\n{%- endif -%}",
        "{{#if late}}" + BAD + "{{else}}Thanks.{{/if}}",
        "{{#unless paid}}\n" + BAD + "\n{{/unless}}",
        "{% unless paid %}" + BAD + "{% endunless %}",
    ],
)
def test_cleanup_text_inside_template_branches_is_checked(rules_engine, template: str) -> None:
    report = rules_engine.check(template)
    start = template.index(BAD)
    assert [(f.rule_id, f.start) for f in report.findings] == [
        ("blame.you_failed_to", start),
        ("heated.piled_punctuation", start + BAD.index("!!!")),
    ]


@pytest.mark.parametrize(
    "comment",
    [
        "{# " + BAD + " #}",
        "{{! " + BAD + " }}",
        "{{!-- " + BAD + " --}}",
        "{% comment %}" + BAD + "{% endcomment %}",
        "{% raw %}{% endraw %}",
    ],
)
def test_cleanup_template_comments_never_flag(rules_engine, comment: str) -> None:
    assert rules_engine.check(f"Hi Dana,\n{comment}\nThe form is attached.\n").findings == ()


def test_cleanup_placeholders_keep_every_offset(rules_engine) -> None:
    text = "{{ a }}{{{ b }}}${ c }{# d #}{{! e }}{% f %} " + BAD
    assert len(clean(text).analysis) == len(text)
    [first, _] = rules_engine.check(text).findings
    assert text[first.start : first.end] == "You failed to attach the form"


def test_cleanup_finding_may_span_a_value_placeholder(rules_engine) -> None:
    text = "Your invoice is overdue. You should have paid it by {{ due_date }}."
    [finding] = rules_engine.check(text).findings
    assert text[finding.start : finding.end] == "You should have paid it by {{ due_date }}"
