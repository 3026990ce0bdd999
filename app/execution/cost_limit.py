"""What an operation may cost: every field 1, a list times the size of its page.

Depth and alias limits alone let one 8 KB query ask for 28 members' histories of 100
entries each. Here a field with a `first` argument multiplies what it selects by that page
size (by the largest page when `first` is a variable, since the verdict is cached per query
text), the lists inside that page are not counted again, and other lists count as
`LIST_GUESS` items. An operation over the limit is refused before anything runs, with its
cost and the limit in `extensions`.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)

LIST_GUESS = 10  # items assumed in a list that has no page size (vouchers, identifiers...)
MAX_PAGE = 100  # the largest `first` any list accepts


def cost_limit(max_cost: int) -> type[ASTValidationRule]:
    class QueryCost(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            context = self.context
            cost = _Pricing(context).selection(node.selection_set, _root(context, node))
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"this operation costs {cost}, more than the limit of {max_cost}: "
                        "ask for smaller pages or fewer aliases",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": max_cost},
                    )
                )

    return QueryCost


def _root(context: ValidationContext, node: OperationDefinitionNode) -> GraphQLObjectType | None:
    schema = context.schema
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[node.operation.value]


class _Pricing:
    def __init__(self, context: ValidationContext) -> None:
        self._context = context
        self._visiting: set[str] = set()

    def selection(
        self, selection_set: SelectionSetNode | None, parent: Any, paged: bool = False
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, paged)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._context.schema.get_type(condition.name.value) if condition else None
                total += self.selection(selection.selection_set, inner or parent, paged)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, paged)
        return total

    def fragment(self, name: str, paged: bool) -> int:
        fragment = self._context.get_fragment(name)
        if fragment is None or name in self._visiting:  # cycles are another rule's error
            return 0
        self._visiting.add(name)
        try:
            inner = self._context.schema.get_type(fragment.type_condition.name.value)
            return self.selection(fragment.selection_set, inner, paged)
        finally:
            self._visiting.discard(name)

    def field(self, node: FieldNode, parent: Any, paged: bool) -> int:
        fields = getattr(parent, "fields", None)
        definition = fields.get(node.name.value) if fields else None
        if definition is None:
            return 1  # __typename, or an unknown field (another rule's error)
        inner = get_named_type(definition.type)
        listed = _is_list(definition.type)
        if "first" in definition.args:
            page = _page_size(node, definition.args["first"].default_value)
            return 1 + page * self.selection(node.selection_set, inner, paged=True)
        if listed and paged:  # the page's own list (`edges`): counted by its page size
            return 1 + self.selection(node.selection_set, inner)
        below = self.selection(node.selection_set, inner, paged)
        return 1 + (LIST_GUESS if listed else 1) * below


def _page_size(node: FieldNode, default: Any) -> int:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), MAX_PAGE))
            return MAX_PAGE  # a variable: the verdict must hold for any value
    return default if isinstance(default, int) else MAX_PAGE


def _is_list(kind: GraphQLOutputType) -> bool:
    while isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)
