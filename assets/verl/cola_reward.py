#!/usr/bin/env python3
"""CoLA rewards for verl, exactly as Repro scores them (src/Reproduction/Rewards/*.cs).

Written by `repro export verl`; standard library only (Python >= 3.8).

verl calls a custom reward function as
    compute_score(data_source, solution_str, ground_truth, extra_info=None)
selected with `custom_reward_function.path=<this file> custom_reward_function.name=<function>`
(verl/trainer/ppo/reward.py `get_custom_reward_fn`; docs "Implement Reward Function for Dataset").
Each entry point returns a dict: "score" is the training reward, and every other key is logged by verl's
validation as `val-aux/<data_source>/<key>/mean@N` (ray_trainer.py `_validate`), so one validation pass
reports the strict, fixed-strict, robust and label-only mean@1 together.

Entry points (pick one with custom_reward_function.name):
    compute_score             the public CoLA-RL strict reward, greedy regex and its hack included (the paper's)
    compute_score_strict_fixed  the strict reward with the think block ending at the first </think>
    compute_score_robust      the paper's robust evaluation (last (un)acceptable in the whole output)
    compute_score_label_only  the answer after an optional leading think block must be exactly the label

Every reward is +1 for a correct answer and -1 otherwise. A ground truth other than "acceptable" or
"unacceptable" raises ValueError, as the C# rewards raise.

Self-check:  python3 cola_reward.py --check reward-cases.json   (exit 0 iff every case matches)
             python3 cola_reward.py --cases reward-cases.json   (prints every reward of every case as JSON)
"""

import json
import re
import sys
import unicodedata

ACCEPTABLE = "acceptable"
UNACCEPTABLE = "unacceptable"
CORRECT, WRONG = 1.0, -1.0
REWARDS = ("strict", "strict_fixed", "robust", "label_only")


def _check(label):
    if label not in (ACCEPTABLE, UNACCEPTABLE):
        raise ValueError('CoLA label must be "acceptable" or "unacceptable", got "%s"' % (label,))
    return label


# ---- strict (public CoLA-RL verl/utils/reward_score/cola.py, faithful) -------------------------------------

_THINK_PREFIX = re.compile(r"<think>\n(.+)</think>\n\n", flags=re.DOTALL)


def strict(completion, label):
    """re.match(r"<think>\\n(.+)</think>\\n\\n", DOTALL); thought and answer non-empty after strip(); answer == label."""
    _check(label)
    m = _THINK_PREFIX.match(completion)
    if m is None:
        return WRONG
    answer = completion[m.end():].strip()
    thought = m.group(1).strip()
    return CORRECT if answer and thought and answer == label else WRONG


# ---- strict, fixed (StrictColaRewardFixed.cs) -----------------------------------------------------------------

def strict_fixed(completion, label):
    """As strict, but the think block ends at the first </think>, which must be followed by two newlines."""
    _check(label)
    open_tag = "<think>\n"
    if not completion.startswith(open_tag):
        return WRONG
    close = completion.find("</think>", len(open_tag))
    if close < 0 or not completion.startswith("\n\n", close + len("</think>")):
        return WRONG
    thought = completion[len(open_tag):close].strip()
    answer = completion[close + len("</think>") + 2:].strip()
    return CORRECT if thought and answer and answer == label else WRONG


# ---- robust (RobustColaReward.cs) --------------------------------------------------------------------------
# C# uses .NET's \b(un)?acceptable\b, IgnoreCase | CultureInvariant. Python's \b differs from .NET's at the
# edges (combining marks, other numbers, connector punctuation, non-BMP letters, ZWJ/ZWNJ), so the scan below
# applies .NET's rule itself: a word character is a UTF-16 code unit of category L*, Mn, Nd or Pc
# (System.Text.RegularExpressions RegexCharClass.WordClass), and \b also counts U+200C/U+200D
# (RegexCharClass.IsBoundaryWordChar). Code points above U+FFFF are surrogate pairs in .NET, never word characters.

_WORD_CATEGORIES = frozenset(("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Nd", "Pc"))


def _is_word(ch):
    if ord(ch) > 0xFFFF:
        return False
    return ch in "\u200c\u200d" or unicodedata.category(ch) in _WORD_CATEGORIES


def _boundary(s, i):
    before = i > 0 and _is_word(s[i - 1])
    after = i < len(s) and _is_word(s[i])
    return before != after


def _matches_at(s, i, word):
    """Case-insensitive match of an ASCII word at s[i:] (only ASCII letters fold to these letters)."""
    if i + len(word) > len(s):
        return False
    for k, w in enumerate(word):
        if s[i + k] not in (w, w.upper()):
            return False
    return True


def last_label(completion):
    """The last label word in the text, lower-cased; None when there is none (leftmost, non-overlapping scan)."""
    last = None
    i, n = 0, len(completion)
    while i <= n:
        found = None
        if _boundary(completion, i):
            for word in (UNACCEPTABLE, ACCEPTABLE):  # (un)? is greedy: try it first, then without
                if _matches_at(completion, i, word) and _boundary(completion, i + len(word)):
                    found = word
                    break
        if found is None:
            i += 1
        else:
            last = found
            i += len(found)
    return last


def robust(completion, label):
    _check(label)
    return CORRECT if last_label(completion) == label else WRONG


# ---- label only (LabelOnlyReward.cs) -----------------------------------------------------------------------

_OPTIONAL_THINK = re.compile(r"(?:<think>.*?</think>)?", flags=re.DOTALL)


def label_only_answer(completion):
    return completion[_OPTIONAL_THINK.match(completion).end():].strip()


def label_only(completion, label):
    _check(label)
    return CORRECT if label_only_answer(completion) == label else WRONG


# ---- verl entry points -------------------------------------------------------------------------------------

_FUNCTIONS = {"strict": strict, "strict_fixed": strict_fixed, "robust": robust, "label_only": label_only}


def score_all(completion, label):
    return {name: _FUNCTIONS[name](completion, label) for name in REWARDS}


def _result(train_reward, solution_str, ground_truth):
    scores = score_all(solution_str, ground_truth)
    return dict(score=scores[train_reward], **scores)


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    """verl entry point: the strict reward trains; all four are logged."""
    return _result("strict", solution_str, ground_truth)


def compute_score_strict_fixed(data_source, solution_str, ground_truth, extra_info=None):
    return _result("strict_fixed", solution_str, ground_truth)


def compute_score_robust(data_source, solution_str, ground_truth, extra_info=None):
    return _result("robust", solution_str, ground_truth)


def compute_score_label_only(data_source, solution_str, ground_truth, extra_info=None):
    return _result("label_only", solution_str, ground_truth)


# ---- the shared case table ---------------------------------------------------------------------------------

def _load_cases(path):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    return table["cases"]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("--cases", "--check"):
        sys.stderr.write("usage: cola_reward.py --cases FILE | --check FILE\n")
        return 2
    cases = _load_cases(argv[2])
    if argv[1] == "--cases":
        out = [dict(name=c["name"], **score_all(c["completion"], c["label"])) for c in cases]
        sys.stdout.write(json.dumps(out, indent=1) + "\n")
        return 0
    failures = 0
    for c in cases:
        got = score_all(c["completion"], c["label"])
        for name in REWARDS:
            if got[name] != c[name]:
                failures += 1
                sys.stdout.write("MISMATCH %s: %s = %s, expected %s\n" % (c["name"], name, got[name], c[name]))
    sys.stdout.write("%d cases, %d mismatches\n" % (len(cases), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
