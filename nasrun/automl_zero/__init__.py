"""AutoML-Zero (Real, Liang, So & Le, ICML 2020): evolving whole learning algorithms from basic
mathematical operations, with populations x tasks evaluated as batched tensor programs."""

from nasrun.automl_zero.algorithm import Algorithm, Instruction, parse_algorithm
from nasrun.automl_zero.estimator import TaskSetEstimator
from nasrun.automl_zero.evaluator import Evaluator
from nasrun.automl_zero.search import AlgorithmSearch
from nasrun.automl_zero.space import AlgorithmSpace

__all__ = [
    "Algorithm",
    "AlgorithmSearch",
    "AlgorithmSpace",
    "Evaluator",
    "Instruction",
    "TaskSetEstimator",
    "parse_algorithm",
]
