"""Writes tests/engine/data/optimizer_reference.json: 20 steps of each optimizer by
PyTorch's torch.optim on a small float64 network, the numbers test_optimizers.py
checks bpsim against (so the tests need no torch).

    pip install torch  # not a bpsim dependency
    python tests/engine/make_optimizer_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

#: the 2-3-2 sigmoid network and four samples of tests/engine/test_optimizers.py
WEIGHTS = [[[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]],
           [[0.3, -0.2, 0.7], [-0.5, 0.4, 0.1]]]
BIASES = [[0.1, -0.2, 0.05], [0.2, -0.1]]
X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
STEPS = 20

#: bpsim's training settings of each case
CASES = [
    {"optimizer": "sgd", "learning_rate": 0.5, "momentum": 0.9},
    {"optimizer": "nesterov", "learning_rate": 0.5, "momentum": 0.9},
    {"optimizer": "rmsprop", "learning_rate": 0.01},
    {"optimizer": "rmsprop", "learning_rate": 0.05, "rho": 0.9, "epsilon": 1e-6},
    {"optimizer": "adam", "learning_rate": 0.05},
    {"optimizer": "adam", "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.99,
     "epsilon": 1e-6},
]


def torch_optimizer(case: dict, parameters):
    lr = case["learning_rate"]
    if case["optimizer"] in ("sgd", "nesterov"):
        return torch.optim.SGD(parameters, lr=lr, momentum=case["momentum"],
                               nesterov=case["optimizer"] == "nesterov")
    if case["optimizer"] == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, alpha=case.get("rho", 0.99),
                                   eps=case.get("epsilon", 1e-8))
    return torch.optim.Adam(parameters, lr=lr,
                            betas=(case.get("beta1", 0.9), case.get("beta2", 0.999)),
                            eps=case.get("epsilon", 1e-8))


def run(case: dict) -> dict:
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in WEIGHTS]
    biases = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in BIASES]
    optimizer = torch_optimizer(case, [*weights, *biases])
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        a = x
        for w, b in zip(weights, biases):
            a = torch.sigmoid(a @ w.T + b)
        loss = torch.mean((a - y) ** 2)  # bpsim's "mse": mean over samples and outputs
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"settings": case, "losses": losses,
            "weights": [w.detach().tolist() for w in weights],
            "biases": [b.detach().tolist() for b in biases]}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    out = {"torch": torch.__version__, "weights": WEIGHTS, "biases": BIASES, "x": X,
           "y": Y, "steps": STEPS, "cases": [run(case) for case in CASES]}
    path = Path(__file__).parent / "data" / "optimizer_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
