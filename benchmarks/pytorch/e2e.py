#!/usr/bin/env python3
"""PyTorch's side of Kiln's end-to-end benchmark (issue 11).

Trains one workload (W1, W2-32, W2-128, W3) on the data files the Java runner wrote, following the protocol of
dev.kiln.benchmarks.e2e.Protocol step for step, and prints one line: "E2E-RESULT " + JSON with the fields of
dev.kiln.benchmarks.e2e.Result. The runner (benchmarks/run-e2e.sh) starts it with OMP_NUM_THREADS and
OMP_WAIT_POLICY=PASSIVE set; run by hand:

    python3 e2e.py --workload W1 --data DIR [--threads 2 --warmup 10 --chunks 5 --steps 20 ...]

Debian's python3-torch needs libopenblas0-openmp installed, or it falls back to a reference BLAS 30x slower.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
from torch import nn

VOCABULARY_SIZE = 10_000
SEQUENCE_LENGTH = 100
INFERENCE_WARMUP = 2
BATCH_SIZES = {"W1": 32, "W2-32": 32, "W2-128": 128, "W3": 32}
MARKER = "E2E-RESULT "


class Cnn(nn.Module):
    """W1: Embedding(10000,16) -> Conv1D(32,5,relu) -> MaxPooling1D(2) -> GlobalMaxPooling1D -> Dense(16,relu)
    -> Dense(1), channels first as PyTorch's Conv1d wants them."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY_SIZE, 16)
        self.conv = nn.Conv1d(16, 32, 5)
        self.dense = nn.Linear(32, 16)
        self.output = nn.Linear(16, 1)

    def forward(self, tokens):                         # [B, T]
        x = self.embedding(tokens).transpose(1, 2)     # [B, 16, T]
        x = torch.relu(self.conv(x))                   # [B, 32, T-4]
        x = nn.functional.max_pool1d(x, 2).amax(dim=2) # [B, 32]
        x = torch.relu(self.dense(x))                  # [B, 16]
        return self.output(x).squeeze(1)               # logits [B]


class Lstm(nn.Module):
    """W2: Embedding(10000,64) -> LSTM(64), last step -> Dense(1)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY_SIZE, 64)
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.output = nn.Linear(64, 1)

    def forward(self, tokens):                         # [B, T]
        sequence, _ = self.lstm(self.embedding(tokens))  # [B, T, 64]
        return self.output(sequence[:, -1]).squeeze(1)   # logits [B]


class Transformer(nn.Module):
    """W3: token + position embedding 32 -> post-norm Transformer encoder block (2 heads of 16, feed-forward 32,
    dropout 0.1) -> mean over time -> Dense(1)."""

    def __init__(self):
        super().__init__()
        self.token = nn.Embedding(VOCABULARY_SIZE, 32)
        self.position = nn.Embedding(SEQUENCE_LENGTH, 32)
        self.attention = nn.MultiheadAttention(32, 2, batch_first=True)
        self.feed_forward = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 32))
        self.norm1 = nn.LayerNorm(32, eps=1e-3)  # Keras's LayerNormalization epsilon
        self.norm2 = nn.LayerNorm(32, eps=1e-3)
        self.dropout1 = nn.Dropout(0.1)
        self.dropout2 = nn.Dropout(0.1)
        self.output = nn.Linear(32, 1)

    def forward(self, tokens):                                                   # [B, T]
        x = self.token(tokens) + self.position(torch.arange(tokens.shape[1]))   # [B, T, 32]
        attended, _ = self.attention(x, x, x, need_weights=False)
        x = self.norm1(x + self.dropout1(attended))
        x = self.norm2(x + self.dropout2(self.feed_forward(x)))
        return self.output(x.mean(dim=1)).squeeze(1)                             # logits [B]


def keras_init(model):
    """Keras's initializers: embeddings uniform(-0.05, 0.05), Glorot-uniform kernels, orthogonal recurrent kernels,
    zero biases, LSTM forget-gate bias 1. The attention's fused input projection keeps PyTorch's Glorot-uniform."""
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            nn.init.uniform_(module.weight, -0.05, 0.05)
        elif isinstance(module, (nn.Linear, nn.Conv1d)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LSTM):
            nn.init.xavier_uniform_(module.weight_ih_l0)
            nn.init.orthogonal_(module.weight_hh_l0)
            nn.init.zeros_(module.bias_ih_l0)
            nn.init.zeros_(module.bias_hh_l0)
            with torch.no_grad():
                module.bias_ih_l0[module.hidden_size:2 * module.hidden_size] = 1.0  # gate order i, f, g, o
    return model


class Session:
    """A fresh model with its optimizer: the PyTorch form of Protocol.Session."""

    def __init__(self, workload, seed):
        torch.manual_seed(seed)
        self.model = keras_init({"W1": Cnn, "W2-32": Lstm, "W2-128": Lstm, "W3": Transformer}[workload]())
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        self.loss = nn.BCEWithLogitsLoss()

    def train_step(self, batch):
        tokens, labels = batch
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self.model(tokens), labels).backward()
        self.optimizer.step()

    def predict(self, batch):
        self.model.eval()
        with torch.inference_mode():
            return torch.sigmoid(self.model(batch[0]))


def read_sequences(directory, name):
    tokens = np.fromfile(os.path.join(directory, name + ".tokens.i32"), dtype="<i4").reshape(-1, SEQUENCE_LENGTH)
    labels = np.fromfile(os.path.join(directory, name + ".labels.i32"), dtype="<i4")
    return torch.from_numpy(tokens.astype(np.int64)), torch.from_numpy(labels.astype(np.float32))


def batches(sequences, batch_size, wanted):
    """Up to `wanted` consecutive full batches, as Protocol.batches."""
    tokens, labels = sequences
    count = min(wanted, len(labels) // batch_size)
    return [(tokens[b * batch_size:(b + 1) * batch_size], labels[b * batch_size:(b + 1) * batch_size])
            for b in range(count)]


def time_chunks(warmup, warmup_seconds, chunks, chunk_steps, batch_size, step):
    """Runs untimed steps for at least `warmup` steps and `warmup_seconds` seconds, then returns the samples/s of
    each timed chunk, as Protocol.time."""
    index = 0
    warmup_end = time.perf_counter() + warmup_seconds
    while index < warmup or time.perf_counter() < warmup_end:
        step(index)
        index += 1
    rates = []
    for _ in range(chunks):
        start = time.perf_counter()
        for _ in range(chunk_steps):
            step(index)
            index += 1
        rates.append(chunk_steps * batch_size / (time.perf_counter() - start))
    return rates


def accuracy(session, args, batch_size):
    train_tokens, train_labels = read_sequences(args.data, "imdb-train")
    test_tokens, test_labels = read_sequences(args.data, "imdb-test")
    count = len(train_labels)
    order = torch.from_numpy(np.fromfile(os.path.join(args.data, "imdb-order.i32"), dtype="<i4").astype(np.int64))
    for epoch in range(args.epochs):
        rows = order[epoch * count:(epoch + 1) * count]
        for start in range(0, count, batch_size):
            batch_rows = rows[start:start + batch_size]
            session.train_step((train_tokens[batch_rows], train_labels[batch_rows]))
    correct = 0
    for start in range(0, len(test_labels), args.infer_batch):
        end = start + args.infer_batch
        probabilities = session.predict((test_tokens[start:end], None))
        correct += int(((probabilities > 0.5).float() == test_labels[start:end]).sum())
    return correct / len(test_labels)


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def blas():
    """The BLAS library this process loaded, e.g. openblas-openmp/libopenblasp-r0.3.21.so."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) and ".so" in path:
                return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
    return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True, choices=sorted(BATCH_SIZES))
    parser.add_argument("--data", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--warmup-seconds", type=int, default=5)
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--infer-steps", type=int, default=10)
    parser.add_argument("--infer-batch", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    batch_size = BATCH_SIZES[args.workload]

    synthetic = read_sequences(args.data, "synthetic")
    session = Session(args.workload, args.seed)
    train = batches(synthetic, batch_size, args.warmup + args.chunks * args.steps)
    train_chunks = time_chunks(args.warmup, args.warmup_seconds, args.chunks, args.steps, batch_size,
                               lambda step: session.train_step(train[step % len(train)]))
    inference = batches(synthetic, args.infer_batch, INFERENCE_WARMUP + args.chunks * args.infer_steps)
    inference_chunks = time_chunks(INFERENCE_WARMUP, args.warmup_seconds, args.chunks, args.infer_steps, args.infer_batch,
                                   lambda step: session.predict(inference[step % len(inference)]))
    peak_rss = peak_rss_mib()
    test_accuracy = accuracy(Session(args.workload, args.seed), args, batch_size) if args.accuracy else None

    result = {
        "framework": "pytorch",
        "version": "torch %s, %s" % (torch.__version__, blas()),
        "workload": args.workload,
        "trainSamplesPerSecond": statistics.median(train_chunks),
        "inferenceSamplesPerSecond": statistics.median(inference_chunks),
        "peakRssMib": peak_rss,
        "accuracy": test_accuracy,
        "trainChunks": train_chunks,
        "inferenceChunks": inference_chunks,
    }
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
