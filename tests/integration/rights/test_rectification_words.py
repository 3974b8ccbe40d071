"""A correction's pages say what it changes: the check page names an empty department "Not given"
(never "None"), and the done page names only what changed (the name, the department, both, or
nothing when only the address changes)."""

from __future__ import annotations

import pytest

from tests.integration.rights.flow import Person, ask, confirm, subscriber

HELD_NAME, HELD_DEPARTMENT = "Pat Lee", "Department of Tests"  # people.person's


@pytest.mark.parametrize(
    ("name", "department", "said"),
    [
        ("Patricia Lee", "Cabinet Office", "We have changed the name and department we hold."),
        ("Patricia Lee", HELD_DEPARTMENT, "We have changed the name we hold."),
        (HELD_NAME, "Cabinet Office", "We have changed the department we hold."),
        (HELD_NAME, HELD_DEPARTMENT, "The name and department we hold were already right"),
    ],
)
def test_the_done_page_names_what_changed(person: Person, name: str, department: str, said: str) -> None:
    done = confirm(person, ask(person, "rectification", name=name, department=department))
    assert said in done
    assert done.count("We have changed") == (0 if name == HELD_NAME and department == HELD_DEPARTMENT else 1)
    found = subscriber(person)
    assert found is not None and (found.name, found.department) == (name, department)


def test_only_a_new_address_says_nothing_about_the_name(person: Person) -> None:
    link = ask(person, "rectification", name=HELD_NAME, department="", email="pat.lee@cabinetoffice.gov.uk")
    check = person.web.client.get(link).text
    assert "Not given" in check and ">None<" not in check  # the department is being emptied
    done = confirm(person, link)
    assert "We have changed the department we hold." in done  # emptied: a change, said as one
    assert "We have sent a link to your new email address" in done
    assert "name and department" not in done


def test_an_address_alone_changes_no_words_about_name_or_department(person: Person) -> None:
    link = ask(
        person,
        "rectification",
        name=HELD_NAME,
        department=HELD_DEPARTMENT,
        email="pat.lee@cabinetoffice.gov.uk",
    )
    done = confirm(person, link)
    assert "We have sent a link to your new email address" in done
    assert "We have changed" not in done and "already right" not in done
