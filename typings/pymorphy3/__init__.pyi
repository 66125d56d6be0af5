# pymorphy3 ships no types; advisor.lemmas asks a MorphAnalyzer for a word's normal form,
# advisor.inflect for a noun's grammemes and its form in another case, advisor.textlint for a
# noun's form agreeing with a number.
class OpencorporaTag:
    grammemes: frozenset[str]
    def __contains__(self, grammeme: str) -> bool: ...

class Parse:
    word: str
    normal_form: str
    tag: OpencorporaTag
    is_known: bool          # engine/placenames.py: a place name the dictionary knows, not a guess
    def inflect(self, required_grammemes: set[str] | frozenset[str]) -> Parse | None: ...
    def make_agree_with_number(self, num: int) -> Parse | None: ...

class MorphAnalyzer:
    def __init__(self, path: str | None = None, lang: str | None = None) -> None: ...
    def parse(self, word: str) -> list[Parse]: ...
