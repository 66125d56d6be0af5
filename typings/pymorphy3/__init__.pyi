# pymorphy3 ships no types; advisor.lemmas asks a MorphAnalyzer for a word's normal form,
# advisor.inflect for a noun's grammemes and its form in another case.
class OpencorporaTag:
    grammemes: frozenset[str]

class Parse:
    word: str
    normal_form: str
    tag: OpencorporaTag
    def inflect(self, required_grammemes: set[str] | frozenset[str]) -> Parse | None: ...

class MorphAnalyzer:
    def __init__(self, path: str | None = None, lang: str | None = None) -> None: ...
    def parse(self, word: str) -> list[Parse]: ...
