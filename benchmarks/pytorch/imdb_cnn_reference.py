"""The imdb-cnn example's model and protocol in PyTorch, as an independent reference for its test accuracy.

    python3 imdb_cnn_reference.py [--data DIR] [--max-len 100] [--truncating pre] [--seed 1] [--epochs 10]

Same data (Keras's load_data sequences: start 1, OOV 2, words from 3, num_words 10,000), padding after the
review and truncation as chosen (Keras's default keeps the last tokens), Embedding(10000, 16) -> Conv1D(32, 5,
relu) -> MaxPooling1D(2) -> GlobalMaxPooling1D -> Dense(16, relu) -> Dense(1, sigmoid) with Keras's initializers,
Adam(1e-3, epsilon 1e-7), binary cross-entropy, batch 32, the last 20% of the training set held out for
validation (as Keras's validation_split), reshuffled every epoch, early stopping on the validation loss with
patience 2, restoring the best epoch's weights, then the test set. Prints one line per epoch and a JSON summary.
"""
import argparse
import copy
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn

NUM_WORDS = 10_000
START, OOV, INDEX_FROM = 1, 2, 3


def load(path, max_len, truncating):
    """Keras's load_data conventions on the word-rank file, then pad_sequences(padding='post')."""
    labels, rows = [], []
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as lines:
        for line in lines:
            label, ranks = line.rstrip("\n").split("\t")
            sequence = [START] + [rank + INDEX_FROM for rank in map(int, ranks.split())]
            sequence = [token if token < NUM_WORDS else OOV for token in sequence]
            sequence = sequence[-max_len:] if truncating == "pre" else sequence[:max_len]
            rows.append(sequence + [0] * (max_len - len(sequence)))
            labels.append(int(label))
    return torch.tensor(rows, dtype=torch.long), torch.tensor(labels, dtype=torch.float32)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(NUM_WORDS, 16)
        self.conv = nn.Conv1d(16, 32, 5)
        self.dense = nn.Linear(32, 16)
        self.out = nn.Linear(16, 1)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)          # Keras's Embedding initializer
        for layer in (self.conv, self.dense, self.out):                # glorot_uniform kernels, zero biases
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, tokens):
        x = self.embedding(tokens).transpose(1, 2)                     # [B, 16, T]: PyTorch convolves channels-first
        x = torch.relu(self.conv(x))
        x = nn.functional.max_pool1d(x, 2)
        x = x.amax(dim=2)
        return torch.sigmoid(self.out(torch.relu(self.dense(x)))).squeeze(1)


def bce(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)                                        # Keras clips probabilities the same way
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def evaluate(model, x, y, batch=1024):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            p = model(x[i:i + batch])
            loss += bce(p, y[i:i + batch]).item() * len(p)
            correct += ((p > 0.5).float() == y[i:i + batch]).sum().item()
    return loss / len(y), correct / len(y)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "imdb"))
    parser.add_argument("--max-len", type=int, default=100)
    parser.add_argument("--truncating", choices=["pre", "post"], default="pre")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x, y = load(os.path.join(args.data, "keras_train.tsv.gz"), args.max_len, args.truncating)
    x_test, y_test = load(os.path.join(args.data, "keras_test.tsv.gz"), args.max_len, args.truncating)
    split = int(len(y) * 0.8)                                          # Keras holds out the last 20%, unshuffled
    x_train, y_train, x_val, y_val = x[:split], y[:split], x[split:], y[split:]

    model = ConvNet()
    # PyTorch adds epsilon to sqrt(v_hat) after the bias correction, Keras to sqrt(v) before it; at 1e-7 the
    # difference is far below what changes accuracy.
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    best = (float("inf"), None, 0)
    waited, epochs_run, start = 0, 0, time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(split)
        for i in range(0, split, 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            bce(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
        epochs_run = epoch
        train_loss, train_acc = evaluate(model, x_train, y_train)
        val_loss, val_acc = evaluate(model, x_val, y_val)
        print(f"epoch {epoch}: loss {train_loss:.4f} accuracy {train_acc:.4f} val_loss {val_loss:.4f} val_accuracy {val_acc:.4f}")
        if val_loss < best[0]:
            best, waited = (val_loss, copy.deepcopy(model.state_dict()), epoch), 0
        else:
            waited += 1
            if waited >= 2:
                break
    model.load_state_dict(best[1])
    test_loss, test_acc = evaluate(model, x_test, y_test)
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "max_len": args.max_len, "truncating": args.truncating,
                      "seed": args.seed, "epochs_run": epochs_run, "best_epoch": best[2], "test_loss": round(test_loss, 4),
                      "test_accuracy": round(test_acc, 4), "train_seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
