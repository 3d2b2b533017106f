"""Search objectives (``objective=``): accuracy, accuracy with costs (Pareto), MnasNet's
reward, a hard budget."""

from nasrun.objectives.base import Accuracy, SearchObjective
from nasrun.objectives.costs import COSTS, Costs
from nasrun.objectives.multi import MultiObjective
from nasrun.objectives.scalar import BudgetConstraint, MnasnetReward, Rejected

__all__ = [
    "COSTS",
    "Accuracy",
    "BudgetConstraint",
    "Costs",
    "MnasnetReward",
    "MultiObjective",
    "Rejected",
    "SearchObjective",
]
