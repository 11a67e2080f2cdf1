"""A lone check's encoder on two cores: the same embeddings bit for bit, and no core taken from another check."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

import numpy as np
import pytest

from tonecheck.cores import Cores
from tonecheck.detect.classifier.packed import PackedEncoder, even_cut
from tonecheck.engine import Engine
from tools import REPO_ROOT

BENCH_EMAILS = sorted((REPO_ROOT / "tools" / "benchmark" / "emails").glob("*.txt"))


def test_even_cut_splits_tokens_as_evenly_as_whole_sentences_allow() -> None:
    assert even_cut([8, 10, 13, 14, 16, 17, 17, 18]) == 5  # 61 against 52 tokens
    assert even_cut([40, 3, 3, 3]) == 1  # never an empty side
    assert even_cut([3, 3, 3, 40]) == 3
    rng = random.Random(7)
    for _ in range(200):  # against every cut
        lengths = [rng.randint(3, 60) for _ in range(rng.randint(2, 30))]
        best = min(abs(sum(lengths) - 2 * sum(lengths[:k])) for k in range(1, len(lengths)))
        cut = even_cut(lengths)
        assert 0 < cut < len(lengths) and abs(sum(lengths) - 2 * sum(lengths[:cut])) == best


def test_the_helper_never_lends_itself_a_core() -> None:
    """Work the helper sent to its own single thread would wait forever: a check's early start runs there."""
    cores = Cores(2)  # nothing counted busy: both tokens free

    def inside() -> bool:
        with cores.spare() as again:
            return again is None

    with cores.spare() as helper:
        assert helper is not None and helper.submit(inside).result(timeout=30)


def test_cores_lend_a_spare_only_while_a_core_is_idle() -> None:
    cores = Cores(2)
    with cores.working():
        with cores.spare() as helper:
            assert helper is not None and helper.submit(lambda: 6 * 7).result() == 42
            with cores.spare() as again:
                assert again is None  # both cores are counted now
        with cores.working(), cores.spare() as same:
            assert same is not None  # one process busy twice still holds one core: the other is idle
    one = Cores(1)
    with one.working(), one.spare() as none:
        assert none is None


def test_cores_count_a_servers_checks_in_flight_until_the_last_is_answered() -> None:
    cores = Cores(2)
    cores.in_flight(True)
    cores.in_flight(True)  # a second queued check changes nothing
    with cores.spare() as helper, cores.spare() as none:
        assert helper is not None and none is None
    with cores.working():  # the check of the request in flight: still one core for this process
        pass
    with cores.spare() as helper, cores.spare() as none:
        assert helper is not None and none is None  # the request is still in flight after its check
    cores.in_flight(False)
    with cores.spare() as first, cores.spare() as second:
        assert first is not None and second is not None  # idle: both cores free
    cores.in_flight(False)  # an extra "none in flight" frees nothing twice
    with cores.spare() as first, cores.spare() as second:
        assert first is not None and second is not None


def _child_spare(cores: Cores, out) -> None:
    with cores.spare() as helper:
        out.put(None if helper is None else helper.submit(lambda: "ran").result())


def _child_works(cores: Cores, out) -> None:
    with cores.working(), cores.spare() as helper:  # busy here: the parent's token is not this process's
        out.put(helper is None)


def test_cores_are_shared_with_forked_workers_which_get_their_own_helper_thread() -> None:
    ctx = multiprocessing.get_context("fork")
    cores = Cores(2)
    with cores.spare() as helper:  # the parent's pool exists before the fork; its thread does not survive it
        assert helper is not None and helper.submit(lambda: 1).result() == 1
    queue = ctx.Queue()
    with cores.working(), cores.spare():  # both cores taken in the parent
        child = ctx.Process(target=_child_spare, args=(cores, queue))
        child.start()
        assert queue.get(timeout=30) is None
        child.join(30)
    with cores.working():  # the parent busy: a busy child takes the other core and has none to lend
        child = ctx.Process(target=_child_works, args=(cores, queue))
        child.start()
        assert queue.get(timeout=30) is True
        child.join(30)
    child = ctx.Process(target=_child_spare, args=(cores, queue))
    child.start()
    assert queue.get(timeout=30) == "ran"
    child.join(30)
    assert child.exitcode == 0


@pytest.mark.slow
def test_spare_core_embeddings_equal_one_threads_bit_for_bit(engine: Engine, email_sentences) -> None:
    encoder = engine.classifier.encoder
    assert isinstance(encoder, PackedEncoder)
    spare = Cores(2)
    lent = []
    original = spare._helper
    spare._helper = lambda: lent.append(1) or original()  # type: ignore[method-assign]
    alone = PackedEncoder.__new__(PackedEncoder)
    alone.__dict__.update({**encoder.__dict__, "cores": None})
    split = PackedEncoder.__new__(PackedEncoder)
    split.__dict__.update({**encoder.__dict__, "cores": spare})
    for sentences in email_sentences:
        assert np.array_equal(split.embed(sentences), alone.embed(sentences))
    assert len(lent) >= len(BENCH_EMAILS)  # every benchmark email has two or more sentences and 32+ tokens


@pytest.mark.slow
def test_a_check_counts_as_busy_so_its_encoder_borrows_only_the_other_core(engine: Engine) -> None:
    cores = engine.cores
    assert cores is not None and engine.classifier.encoder.cores is (cores if cores.count > 1 else None)
    seen: list[bool] = []

    class Probe:
        name = "probe"

        def detect(self, batch):
            with cores.spare() as first, cores.spare() as second:
                seen.append(first is not None and second is None)
            return [[] for _ in batch]

    probed = engine.with_classifier(Probe())  # type: ignore[arg-type]
    probed.check(Path(BENCH_EMAILS[0]).read_text(encoding="utf-8"))
    assert seen == [cores.count == 2]


@pytest.mark.parametrize(("files", "most"), [
    ({"cpu.max": "200000 100000\n"}, 2),
    ({"cpu.max": "150000 100000\n"}, 1),  # 1.5 CPUs: one whole core to count on
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # cgroup v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_available_cores_follow_a_containers_cpu_quota(tmp_path: Path, files: dict[str, str], most) -> None:
    import os

    from tonecheck.cores import available

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    cpu_set = len(os.sched_getaffinity(0))
    assert available(tmp_path) == (cpu_set if most is None else min(cpu_set, most))


def test_the_servers_admissions_hold_a_core_from_admission_to_answer() -> None:
    from types import SimpleNamespace

    from tonecheck.api.admission import Admission, cost_of
    from tonecheck.api.app import _in_flight

    cores = Cores(2)
    app = SimpleNamespace(state=SimpleNamespace(engine=SimpleNamespace(cores=cores)))
    admission = Admission(2.0, on_change=lambda running: _in_flight(app, None, running))  # type: ignore[arg-type]
    ticket = admission.admit(cost_of(["Thanks, the refund went out today."]))
    with cores.spare() as helper, cores.spare() as none:
        assert helper is not None and none is None  # admitted, not yet answered: this worker holds a core
    ticket.release(0.01)
    with cores.spare() as first, cores.spare() as second:
        assert first is not None and second is not None
