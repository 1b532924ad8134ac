"""The examples in the docs are what the code does."""

import doctest
import re
from pathlib import Path

import symconv
from symconv.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_package_docstring_examples():
    result = doctest.testmod(symconv, verbose=False)
    assert result.attempted >= 2 and result.failed == 0


def test_readme_eval_example_is_the_real_output(capsys):
    block = re.search(r"```\n\$ symconv eval conv1d (.*?)\n(.*?)```", README, re.S)
    assert block, "README lost its eval example"
    argv = ["eval", "conv1d", *block.group(1).split()]
    assert main(argv) == 0
    assert capsys.readouterr().out == block.group(2)


def test_readme_python_api_values():
    assert "symconv.conv1d_ops(8, 16, 32, 100, 3)              # 2408448" in README
    assert symconv.conv1d_ops(8, 16, 32, 100, 3) == 2408448
    assert "symconv.conv1d_output_length(100, 3, stride=2)     # 49" in README
    assert symconv.conv1d_output_length(100, 3, stride=2) == 49


def test_readme_opens_with_the_two_setup_commands():
    head = README[:1200]
    assert "make demo" in head and "make test" in head


def test_readme_conv2d_conv3d_examples_are_the_real_output():
    block = re.search(r"### Conv2d and Conv3d\n\n```python\n(.*?)```", README, re.S)
    assert block, "README lost its Conv2d and Conv3d example"
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, "README", "README.md", 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
