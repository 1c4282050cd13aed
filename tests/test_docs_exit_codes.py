from sacli.docgen import README, render_readme


def test_readme_exit_code_table_is_generated_from_the_code() -> None:
    text = README.read_text()
    assert render_readme(text) == text, "README is stale: run `python -m sacli.docgen`"
