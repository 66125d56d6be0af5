# pymorphy3 ships no types; advisor.lemmas asks a MorphAnalyzer for a word's normal form.
class Parse:
    normal_form: str

class MorphAnalyzer:
    def __init__(self, path: str | None = None, lang: str | None = None) -> None: ...
    def parse(self, word: str) -> list[Parse]: ...
