"""The batched evaluator: the authors' human-designed regressor learns, batching and dead-code
removal change no fitness, and a run's printed best algorithm re-evaluates to its fitness."""

from __future__ import annotations

import random

from nasrun.automl_zero import Evaluator, parse_algorithm
from nasrun.automl_zero.compile import prune
from nasrun.automl_zero.mutation import Memory
from nasrun.automl_zero.space import ALL_OPS, AlgorithmSpace
from nasrun.automl_zero.tasks import make_tasks
from tests.automl_zero.test_algorithm import HUMAN_REGRESSOR

LINEAR_OPS = ["scalar_const_set", "vector_inner_product", "scalar_diff", "scalar_product",
              "scalar_vector_product", "vector_sum"]  # fmt: skip


def test_the_human_designed_regressor_reaches_fitness_0999_with_1000_examples():
    # The README's 0.001 suits its own tasks; 4 features of N(0, 1) take a rate near 0.01.
    algorithm = parse_algorithm(HUMAN_REGRESSOR.replace("s2 = 0.001", "s2 = 0.01"))
    tasks = make_tasks("scalar_linear_regression", list(range(20)), 4, 1000, 100)
    (fitness,) = Evaluator(Memory(scalars=5, vectors=3, matrices=1)).fitness([algorithm], tasks)
    assert fitness > 0.999
    untrained = parse_algorithm(HUMAN_REGRESSOR.replace("s2 = 0.001", "s2 = 0.0"))
    assert Evaluator(Memory(5, 3, 1)).fitness([untrained], tasks)[0] < 0.5


def test_a_batch_scores_each_member_as_it_scores_alone():
    # Every op but the random initialisers, whose draws depend on the batch around them.
    ops = [name for name in ALL_OPS if not name.endswith(("uniform_set", "gaussian_set"))]
    space = AlgorithmSpace(scalars=4, vectors=3, matrices=2, setup_ops=ops, predict_ops=ops,
                           learn_ops=ops, setup_size=6, predict_size=4, learn_size=6)  # fmt: skip
    rng = random.Random(0)
    members = [space.sample(rng) for _ in range(6)] + [parse_algorithm(HUMAN_REGRESSOR)]
    members[-1] = members[-1]._replace(learn=members[-1].learn[:1])  # s4 is beyond 4 scalars
    tasks = make_tasks("scalar_2layer_nn_regression", [1, 2, 3], 4, 30, 10)
    evaluator = Evaluator(space.memory)
    together = evaluator.fitness(members, tasks)
    alone = [evaluator.fitness([m], tasks)[0] for m in members]
    assert together == alone


def test_removing_dead_code_changes_no_prediction():
    space = AlgorithmSpace(setup_ops=LINEAR_OPS, predict_ops=LINEAR_OPS, learn_ops=LINEAR_OPS)
    rng = random.Random(1)
    members = [space.sample(rng) for _ in range(40)]
    tasks = make_tasks("scalar_linear_regression", [5, 6], 4, 20, 10)
    evaluator = Evaluator(space.memory)
    pruned = [prune(m) for m in members]
    assert sum(p.size() for p in pruned) < sum(m.size() for m in members)
    full, _ = evaluator.run(members, tasks)
    # Evaluator.run prunes itself; score the pruned programs to compare with the full ones.
    again, _ = evaluator.run(pruned, tasks)
    assert full.equal(again)


def test_binary_classification_scores_accuracy():
    algorithm = parse_algorithm("def Setup():\ndef Predict():\n  s1 = 0.5\ndef Learn():\n")
    x_y = make_tasks("scalar_linear_regression", [0], 4, 10, 50)
    tasks = x_y.__class__(x_y.train_x, (x_y.train_y > 0).double(), x_y.valid_x,
                          (x_y.valid_y > 0).double(), accuracy=True)  # fmt: skip
    (fitness,) = Evaluator(Memory()).fitness([algorithm], tasks)
    assert fitness == (tasks.valid_y > 0.5).double().mean().item()  # always predicts class 1
