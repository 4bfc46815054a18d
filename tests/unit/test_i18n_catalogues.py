"""The pages' i18n catalogues (agent_ui/static/js/i18n/*.js): both languages, each key in one catalogue."""

from __future__ import annotations

import re

from tests.i18n_catalogue import CATALOGUES

KEY = re.compile(r'^\s+"([a-z_.]+)":', re.M)


def test_every_catalogue_has_the_same_keys_in_both_languages_and_no_key_is_in_two() -> None:
    owner: dict[str, str] = {}
    for f in sorted(CATALOGUES.glob("*.js")):
        text = f.read_text(encoding="utf-8")
        assert 'import { register } from "../core/i18n.js";' in text and "\nregister({\n" in text, f.name
        zh, en = text.split('\n  "en": {', 1)
        zh_keys, en_keys = KEY.findall(zh), KEY.findall(en)
        assert len(zh_keys) == len(set(zh_keys)) and len(en_keys) == len(set(en_keys)), f.name  # no key twice
        assert set(zh_keys) == set(en_keys), (f.name, sorted(set(zh_keys) ^ set(en_keys)))
        for k in zh_keys:
            assert k not in owner, (k, owner.get(k), f.name)
            owner[k] = f.name
