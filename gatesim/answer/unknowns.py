"""Which unknown an effect depends on: variance shares, splits, and the measurement that would settle it.

The unknowns are the prior parameters of the ensemble (``<base>.priors.yaml``,
``varied``). Across plausible worlds an effect varies because the worlds
differ in them; the methods here are computed from the per-world effects and
the worlds' values, nothing is run again.

- **Variance share** of an unknown: the share of the effect's variance across
  worlds explained by the unknown alone, the effect grouped by the unknown
  (its values, or 2-4 equal-count bins of a number) and the between-group
  share adjusted for the number of groups (adjusted eta squared, clipped at
  0). The unknown with the largest share is the one whose measurement would
  shrink the spread most: the ranking is "what would settle it". With few
  worlds and many unknowns one explains much by chance: the top share is
  compared with the top share of the effect shuffled across worlds (200
  shuffles), and an unknown is named only when chance rarely (< 5%) does as well.
- **Split**: the one cut (a value of a choice, or a decile threshold of a
  number, at least a fifth of the worlds on each side) that explains most of
  the variance, or the conjunction of two cuts of two unknowns when that
  explains at least a tenth more. Reported when it explains at least half and
  the other side is negligible (a large effect under one value, nil under the
  other), and only when the effect shuffled across worlds (200 shuffles) finds
  as good a cut less than 5% of the time: with 20 worlds and a dozen unknowns,
  some cut isolates a few large effects by chance alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Split", "describe", "find_split", "measurement", "variance_shares"]

CHANCE_P = 0.05  # an unknown (a share, a split) is named only when chance does as well less often than this

# name -> (en words, vi words, unit of its value, the measurement that settles it en, vi)
UNKNOWNS: dict[str, tuple[str, str, str, str, str]] = {
    "road_lane_use": (
        "how the dedicated roads' lanes are used",
        "cách sử dụng làn trên đường chuyên dụng",
        "",
        "lane use and per-lane throughput on road 1088/2-1089 (Tân Thanh - Pò Chài)",
        "cách sử dụng làn và lưu lượng mỗi làn trên tuyến 1088/2-1089 (Tân Thanh - Pò Chài)",
    ),
    "road_per_lane_h": (
        "vehicles per lane per hour on the dedicated roads",
        "số xe mỗi làn mỗi giờ trên đường chuyên dụng",
        "vehicles/lane/h",
        "per-lane throughput on road 1088/2-1089 (vehicles per lane per hour at the busiest hours)",
        "lưu lượng mỗi làn trên tuyến 1088/2-1089 (xe mỗi làn mỗi giờ vào giờ cao điểm)",
    ),
    "tt_acceptance_min": (
        "minutes to accept an export truck at Pò Chài",
        "số phút tiếp nhận một xe xuất tại Pò Chài",
        "min",
        "export trucks accepted per hour at Pò Chài",
        "số xe xuất được tiếp nhận mỗi giờ tại Pò Chài",
    ),
    "hn_acceptance_min": (
        "minutes to accept an export truck at Youyiguan",
        "số phút tiếp nhận một xe xuất tại Hữu Nghị Quan",
        "min",
        "export trucks accepted per hour at Youyiguan",
        "số xe xuất được tiếp nhận mỗi giờ tại Hữu Nghị Quan",
    ),
    "cn_acceptance_min": (
        "minutes to accept an export truck at Lũng Nghịu",
        "số phút tiếp nhận một xe xuất tại Lũng Nghịu",
        "min",
        "export trucks accepted per hour at Lũng Nghịu",
        "số xe xuất được tiếp nhận mỗi giờ tại Lũng Nghịu",
    ),
    "cn_china_close_h": (
        "when the Chinese side closes at Cốc Nam (China time)",
        "giờ phía Trung Quốc đóng cửa tại Cốc Nam (giờ Trung Quốc)",
        "h",
        "Lũng Nghịu's published opening hours (when the Chinese side stops accepting and releasing trucks)",
        "giờ làm việc công bố của Lũng Nghịu (giờ phía Trung Quốc ngừng tiếp nhận và cho xe qua)",
    ),
    "cm_acceptance_min": (
        "minutes to accept an export truck at Ái Điểm (Chi Ma)",
        "số phút tiếp nhận một xe xuất tại Ái Điểm (Chi Ma)",
        "min",
        "export trucks accepted per hour at Ái Điểm",
        "số xe xuất được tiếp nhận mỗi giờ tại Ái Điểm",
    ),
    "cm_release_min": (
        "minutes to release an import truck at Ái Điểm (Chi Ma)",
        "số phút cho một xe nhập qua tại Ái Điểm (Chi Ma)",
        "min",
        "import trucks released per hour at Ái Điểm",
        "số xe nhập được cho qua mỗi giờ tại Ái Điểm",
    ),
    "cm_yard_trucks": (
        "usable truck slots in Chi Ma's yard",
        "số chỗ đỗ xe dùng được trong bãi Chi Ma",
        "trucks",
        "a count of the usable slots in Chi Ma's yard",
        "kiểm đếm số chỗ dùng được trong bãi Chi Ma",
    ),
    "tt_fruit_season_acceptance": (
        "whether Pò Chài opens a second acceptance lane in the fruit season",
        "Pò Chài có mở thêm làn tiếp nhận trong mùa quả hay không",
        "",
        "export trucks accepted per day at Pò Chài in and out of the fruit season",
        "số xe xuất được tiếp nhận mỗi ngày tại Pò Chài trong và ngoài mùa quả",
    ),
    "tt_release_min": (
        "minutes to release an import truck at Pò Chài",
        "số phút cho một xe nhập qua tại Pò Chài",
        "min",
        "import trucks released per hour at Pò Chài",
        "số xe nhập được cho qua mỗi giờ tại Pò Chài",
    ),
    "hn_release_min": (
        "minutes to release an import truck at Youyiguan",
        "số phút cho một xe nhập qua tại Hữu Nghị Quan",
        "min",
        "import trucks released per hour at Youyiguan",
        "số xe nhập được cho qua mỗi giờ tại Hữu Nghị Quan",
    ),
    "tt_yard_trucks": (
        "usable truck slots in Tân Thanh's yards",
        "số chỗ đỗ xe dùng được trong các bãi Tân Thanh",
        "trucks",
        "a count of the usable slots in Tân Thanh's yards",
        "kiểm đếm số chỗ dùng được trong các bãi Tân Thanh",
    ),
    "hn_yard_trucks": (
        "usable truck slots in Hữu Nghị's yards",
        "số chỗ đỗ xe dùng được trong các bãi Hữu Nghị",
        "trucks",
        "a count of the usable slots in Hữu Nghị's yards",
        "kiểm đếm số chỗ dùng được trong các bãi Hữu Nghị",
    ),
    "tt_fee_counters": (
        "fee counters open at Tân Thanh",
        "số quầy thu phí mở tại Tân Thanh",
        "counters",
        "fee counters open and trucks served per hour at Tân Thanh",
        "số quầy thu phí mở và số xe được phục vụ mỗi giờ tại Tân Thanh",
    ),
    "hn_fee_counters": (
        "fee counters open at Hữu Nghị",
        "số quầy thu phí mở tại Hữu Nghị",
        "counters",
        "fee counters open and trucks served per hour at Hữu Nghị",
        "số quầy thu phí mở và số xe được phục vụ mỗi giờ tại Hữu Nghị",
    ),
    "transshipment_min": (
        "minutes to transship a truck's cargo",
        "số phút sang tải hàng của một xe",
        "min",
        "timed transshipments at the yards",
        "bấm giờ các lần sang tải tại bãi",
    ),
    "arrival_profile": (
        "when in the day trucks arrive",
        "giờ trong ngày xe đến",
        "",
        "hourly counts of trucks arriving at the gates",
        "đếm số xe đến cửa khẩu theo từng giờ",
    ),
    "yard_users": (
        "who uses the yards",
        "đối tượng sử dụng bãi",
        "",
        "yard occupancy by direction (exports, imports)",
        "số xe trong bãi theo chiều (xuất, nhập)",
    ),
}

_CHOICES: dict[str, tuple[str, str]] = {
    "by_direction": ("split by direction", "chia theo chiều"),
    "shared": ("shared by both directions", "dùng chung hai chiều"),
    "round_the_clock": ("round the clock", "suốt ngày đêm"),
    "opening_hours": ("only while the gates are open", "chỉ trong giờ mở cửa"),
    "exports_only": ("exports only", "chỉ xe xuất"),
    "as_out_of_season": ("the same rate all year", "cùng tốc độ quanh năm"),
    "extra_lane_in_season": ("a second lane in the fruit season", "thêm một làn trong mùa quả"),
    "with_imports": ("imports too", "cả xe nhập"),
}


def describe(name: str, lang: str = "en") -> str:
    u = UNKNOWNS.get(name)
    return name.replace("_", " ") if u is None else (u[1] if lang == "vi" else u[0])


def measurement(name: str, lang: str = "en") -> str:
    u = UNKNOWNS.get(name)
    if u is None:
        return (
            f"a measurement of {name.replace('_', ' ')}" if lang != "vi" else f"đo {name.replace('_', ' ')}"
        )
    return u[4] if lang == "vi" else u[3]


def _numeric(x: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(x)) and x.nunique() > 2


def _groups(x: pd.Series) -> np.ndarray:
    if not _numeric(x):
        return pd.factorize(x.astype(str))[0]
    k = int(min(4, max(2, len(x) // 5)))
    return pd.qcut(x.rank(method="first"), k, labels=False).to_numpy()


def _explained(e: np.ndarray, groups: np.ndarray) -> float:
    """Adjusted between-group share of the variance of ``e`` (0 when the groups explain nothing)."""
    w = e.size
    labels = np.unique(groups)
    k = labels.size
    total = float(((e - e.mean()) ** 2).sum())
    if total == 0 or k < 2 or w - k < 1:
        return 0.0
    within = float(sum(((e[groups == g] - e[groups == g].mean()) ** 2).sum() for g in labels))
    return float(max(0.0, 1.0 - (within / (w - k)) / (total / (w - 1))))


def _shares(e: np.ndarray, groups: list[np.ndarray | None]) -> np.ndarray:
    return np.array([_explained(e, g) if g is not None else 0.0 for g in groups])


def variance_shares(
    effect: pd.Series, worlds: pd.DataFrame, names: list[str], permutations: int = 200
) -> pd.DataFrame:
    """Per unknown, its share of the variance of ``effect`` (indexed by world) across worlds, largest first.

    ``chance_p``: how often the largest share of any unknown is as large with the effect shuffled across
    worlds (``permutations`` shuffles, a fixed seed): with few worlds and many unknowns one of them
    explains much by chance alone; the page names an unknown only when ``chance_p`` is below 0.05.
    """
    e = effect.dropna()
    v = e.to_numpy(float)
    groups = [
        _groups(worlds.loc[e.index, n]) if worlds.loc[e.index, n].nunique() > 1 else None for n in names
    ]
    share = _shares(v, groups)
    rng = np.random.default_rng(0)
    top = share.max() if share.size else 0.0
    hits = (
        sum(_shares(rng.permutation(v), groups).max() >= top for _ in range(permutations))
        if top > 0
        else permutations
    )
    out = pd.DataFrame({"unknown": names, "share": share, "chance_p": (hits + 1) / (permutations + 1)})
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Cut:
    unknown: str
    value: object  # a choice's value, or a number's threshold
    below: bool  # numeric: the side <= value; choice: == value

    def holds(self, x: pd.Series) -> np.ndarray:
        if isinstance(self.value, str):
            return (x.astype(str) == self.value).to_numpy()
        v = pd.to_numeric(x, errors="coerce").to_numpy(float)
        return v <= float(self.value) if self.below else v > float(self.value)  # type: ignore[arg-type]

    def words(self, lang: str = "en", unit_vi: bool = False) -> str:
        what = describe(self.unknown, lang)
        if isinstance(self.value, str):
            en, vi = _CHOICES.get(self.value, (self.value, self.value))
            return f"{what}: {vi if lang == 'vi' else en}"
        unit = UNKNOWNS.get(self.unknown, ("", "", "", "", ""))[2]
        sign = "\u2264" if self.below else ">"
        return f"{what} {sign} {float(self.value):.3g} {unit}".strip()  # type: ignore[arg-type]


@dataclass(frozen=True)
class Split:
    cuts: tuple[Cut, ...]  # all hold on the "inside" side
    inside_mean: float
    outside_mean: float
    inside_worlds: int
    outside_worlds: int
    explained: float
    chance_p: float = 0.0  # how often the effect shuffled across worlds splits as well (0: not shuffled)


def _cuts(x: pd.Series, name: str, min_side: int) -> list[Cut]:
    if not _numeric(x):
        values = sorted(x.astype(str).unique())
        return [Cut(name, v, True) for v in values] if len(values) > 1 else []
    v = pd.to_numeric(x, errors="coerce")
    out = []
    for t in sorted({float(f"{q:.3g}") for q in v.quantile(np.linspace(0.1, 0.9, 9))}):
        n_below = int((v <= t).sum())
        if min_side <= n_below <= len(x) - min_side:
            out += [Cut(name, t, True), Cut(name, t, False)]
    return out


def _mask_scores(e: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The adjusted two-group share (``_explained`` of inside/outside) of every boolean mask row at once."""
    w = e.size
    c = e - e.mean()
    total = float((c**2).sum())
    return _adjusted(masks.astype(float) @ c, masks.sum(axis=1).astype(float), total, w)


def _adjusted(s1: np.ndarray, n1: np.ndarray, total: float, w: int) -> np.ndarray:
    """Adjusted share of two groups from the centred sum ``s1`` over the ``n1`` worlds inside (0 if one side empty)."""
    if total == 0 or w < 3:
        return np.zeros_like(np.asarray(s1, float))
    n0 = w - n1
    ok = (n1 > 0) & (n0 > 0)
    between = np.where(ok, s1**2 * w / np.where(ok, n1 * n0, 1.0), 0.0)
    adj = 1.0 - ((total - between) / (w - 2)) / (total / (w - 1))
    return np.where(ok, np.maximum(adj, 0.0), 0.0)


@dataclass(frozen=True)
class _Cuts:
    """Every candidate cut as a row of a boolean matrix, the unknown each belongs to."""

    cuts: list[Cut]
    masks: np.ndarray  # cuts x worlds, bool
    unknown: np.ndarray  # cuts: an id of the cut's unknown

    def pairs_allowed(self, min_side: int) -> tuple[np.ndarray, np.ndarray]:
        """(inside counts, allowed): counts of worlds inside both cuts; pairs i < j of two unknowns, big enough."""
        m = self.masks.astype(float)
        both = m @ m.T
        k = len(self.cuts)
        upper = np.triu(np.ones((k, k), bool), 1)
        allowed = upper & (self.unknown[:, None] != self.unknown[None, :]) & (both >= min_side)
        return both, allowed


def _best(e: np.ndarray, cs: _Cuts, both: np.ndarray, allowed: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """(share explained, cut indices): the best single cut, or two cuts together if 0.1 better
    (``both``, ``allowed``: :meth:`_Cuts.pairs_allowed`, the same for every shuffle)."""
    if not cs.cuts:
        return 0.0, ()
    single_scores = _mask_scores(e, cs.masks)
    i0 = int(np.argmax(single_scores))
    single = float(single_scores[i0])
    best: tuple[float, tuple[int, ...]] = (single, (i0,)) if single > 0 else (0.0, ())
    if not allowed.any():
        return best
    w = e.size
    c = e - e.mean()
    m = cs.masks.astype(float)
    s_both = (m * c) @ m.T  # centred sum inside both cuts
    total = float((c**2).sum())
    score = _adjusted(s_both, both, total, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_in = e.mean() + s_both / both
        mean_out = e.mean() - s_both / (w - both)
    ok = allowed & (score >= single + 0.1) & (np.abs(mean_in) > np.abs(mean_out))
    if ok.any():
        flat = np.where(ok, score, -np.inf)
        i, j = np.unravel_index(int(np.argmax(flat)), flat.shape)  # the first best, row by row
        if float(flat[i, j]) > best[0]:
            best = (float(flat[i, j]), (int(i), int(j)))
    return best


def _flip(cut: Cut, x: pd.Series) -> Cut | None:
    """The cut of the other side (a number's other side; a two-valued choice's other value)."""
    if not isinstance(cut.value, str):
        return Cut(cut.unknown, cut.value, not cut.below)
    other = sorted(set(x.astype(str)) - {cut.value})
    return Cut(cut.unknown, other[0], True) if len(other) == 1 else None


def find_split(
    effect: pd.Series, worlds: pd.DataFrame, names: list[str], negligible: float, permutations: int = 200
) -> Split | None:
    """A split of the effect by one or two unknowns (module docstring), or None.

    ``negligible`` is the size below which a side's mean effect is called
    negligible (in the effect's unit). The "inside" side, where every cut
    holds, is the one with the larger effect. A split is reported only when
    the effect shuffled across worlds (``permutations`` shuffles, a fixed seed)
    finds as good a cut of the same unknowns less than 5% of the time: with few
    worlds and many cuts, some cut isolates a few large effects by chance.
    """
    e_s = effect.dropna()
    if e_s.size < 6:
        return None
    w = worlds.loc[e_s.index]
    e = e_s.to_numpy(float)
    min_side = max(2, e.size // 5)
    cuts = [c for n in names if w[n].nunique() > 1 for c in _cuts(w[n], n, min_side)]
    cs = _Cuts(
        cuts,
        np.array([c.holds(w[c.unknown]) for c in cuts], bool).reshape(len(cuts), e.size),
        np.array([names.index(c.unknown) for c in cuts], int),
    )
    both, allowed = cs.pairs_allowed(min_side)
    score, idx = _best(e, cs, both, allowed)
    if score < 0.5 or not idx:
        return None
    chosen = tuple(cuts[i] for i in idx)
    inside = np.logical_and.reduce([cs.masks[i] for i in idx])
    if abs(e[inside].mean()) < abs(e[~inside].mean()):
        flipped = _flip(chosen[0], w[chosen[0].unknown]) if len(chosen) == 1 else None
        if flipped is None:
            return None
        chosen, inside = (flipped,), ~inside
    if abs(e[~inside].mean()) >= negligible or abs(e[inside].mean()) < negligible:
        return None
    chance_p = 0.0  # permutations=0: no shuffle test (a check of what chance alone finds)
    if permutations:
        rng = np.random.default_rng(0)
        hits = sum(_best(rng.permutation(e), cs, both, allowed)[0] >= score for _ in range(permutations))
        chance_p = (hits + 1) / (permutations + 1)
        if chance_p >= CHANCE_P:
            return None
    return Split(
        chosen,
        float(e[inside].mean()),
        float(e[~inside].mean()),
        int(inside.sum()),
        int((~inside).sum()),
        score,
        chance_p,
    )
