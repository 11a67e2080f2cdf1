"""Step 2: ms per unit, MiniLM vs mpnet, 500 typical dev units, batch 64, 1 and 2 threads (best and median of 3).
The CPU is shared with other engineers' jobs: the load average is printed with every figure."""
from common import *  # noqa
from common import MpnetEncoder, load_json, np, time, torch, rss_mb, SHIPPED
import json, os, random, statistics

from tonecheck.detect.classifier.encoder import Encoder, encoder_dir
from tonecheck.detect.classifier.packed import PackedEncoder

texts = load_json("dev_units.json")["texts"]
random.seed(13)
sample = random.sample(texts, 500)
res = {}
encs = {
    "minilm_fp32 (Encoder, transformers)": lambda: Encoder(encoder_dir(), batch_size=64),
    "minilm_packed_bf16 (service path)": lambda: PackedEncoder(encoder_dir(), top_layers=SHIPPED / "encoder-top.safetensors", precision="bf16"),
    "mpnet_fp32": lambda: MpnetEncoder(64, bf16=False),
    "mpnet_bf16_autocast": lambda: MpnetEncoder(64, bf16=True),
}
ntok = {}
for name, make in encs.items():
    enc = make()
    if hasattr(enc, "tokenizer") and hasattr(enc.tokenizer, "__call__") and not isinstance(enc, PackedEncoder):
        ntok[name.split()[0]] = float(np.mean([len(enc.tokenizer(t, truncation=True, max_length=128)["input_ids"]) for t in sample]))
    enc.embed(sample[:64])  # warm-up
    for threads in (1, 2):
        torch.set_num_threads(threads)
        times = []
        for _ in range(3):
            t = time.perf_counter(); enc.embed(sample); times.append((time.perf_counter() - t) * 1000 / len(sample))
        res[f"{name} threads={threads}"] = {"best_ms_per_unit": round(min(times), 2), "median": round(statistics.median(times), 2),
                                           "loadavg": os.getloadavg()[0]}
        print(name, threads, res[f"{name} threads={threads}"], flush=True)
    del enc
print("mean tokens per unit", ntok)
json.dump({"ms_per_unit": res, "mean_tokens": ntok}, open("/work/mpnet-exp/throughput.json", "w"), indent=1)
