"""Two import-linter contract types the built-in ones cannot express, registered in `pyproject.toml`.

* `imports_only`: an allow-list. "An agency module imports only the SDK and schemas" must hold for
  agencies not yet written, so it cannot be a list of forbidden siblings: every module a wildcard
  matches (less the named exceptions) may import, of the project's own packages, only itself, its
  descendants and the allowed modules.
* `acyclic_modules`: no cycle at all between modules. `acyclic_siblings` compares siblings at
  every depth, so it misses a package whose `__init__` imports a child that imports the package.

`lint-imports` finds this module through the editable install, which puts the checkout on the path.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers
from importlinter.domain.imports import ModuleExpression


@dataclass(frozen=True)
class Offence:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


def _modules(graph: grimp.ImportGraph, expressions: list[ModuleExpression], *, as_packages: bool) -> set[str]:
    return {
        module.name
        for module in helpers.module_expressions_to_modules(
            graph=graph, expressions=expressions, as_packages=as_packages
        )
    }


def _within(module: str, packages: set[str]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


class ImportsOnlyContract(Contract):
    """Each source module (a package with its descendants) imports only itself and the allowed modules.

    Options: `source_modules` (wildcards allowed), `except_modules` (sources to leave out, e.g. the
    SDK beside the agencies it serves) and `allowed_modules`. Only the project's own packages (the
    root packages) are restricted; third-party imports are other contracts' business.
    """

    type_name = "imports_only"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    except_modules = fields.ListField(subfield=fields.ModuleExpressionField(), required=False, default=[])
    allowed_modules = fields.ListField(subfield=fields.ModuleExpressionField(), required=False, default=[])

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        sources = _modules(graph, self.source_modules, as_packages=False)  # type: ignore[arg-type]
        sources -= _modules(graph, self.except_modules, as_packages=False)  # type: ignore[arg-type]
        allowed = _modules(graph, self.allowed_modules, as_packages=False)  # type: ignore[arg-type]
        roots = {name.split(".")[0] for name in graph.modules if not graph.is_module_squashed(name)}
        offences: list[Offence] = []
        for source in sorted(sources):
            for importer in sorted({source, *graph.find_descendants(source)}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if imported.split(".")[0] not in roots or _within(imported, {source, *allowed}):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    offences.append(Offence(importer, imported, tuple(d["line_number"] for d in details)))
        return ContractCheck(kept=not offences, metadata={"offences": offences})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(str(expression) for expression in self.allowed_modules) or "nothing of the project"  # type: ignore[attr-defined]
        output.print_error(f"These imports reach beyond what is allowed ({allowed}):", bold=True)
        output.new_line()
        for offence in check.metadata["offences"]:
            lines = ", ".join(f"l.{number}" for number in offence.line_numbers)
            output.print_error(f"- {offence.importer} -> {offence.imported} ({lines})")
        output.new_line()


class AcyclicModulesContract(Contract):
    """No module of the given packages reaches itself again through imports (type-checking ones included)."""

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = sorted(
            name
            for package in self.packages  # type: ignore[attr-defined]
            for name in {package.name, *graph.find_descendants(package.name)}
        )
        cycles = _cycles(graph, modules)
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("These modules import one another in a cycle:", bold=True)
        output.new_line()
        for cycle in check.metadata["cycles"]:
            output.print_error(f"- {' -> '.join([*cycle, cycle[0]])}")
        output.new_line()


def _cycles(graph: grimp.ImportGraph, modules: list[str]) -> list[list[str]]:
    """Strongly connected components of more than one module, or a module importing itself (Tarjan)."""
    inside = set(modules)
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowlink[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & inside):
            if imported not in index:
                visit(imported)
                lowlink[module] = min(lowlink[module], lowlink[imported])
            elif imported in on_stack:
                lowlink[module] = min(lowlink[module], index[imported])
        if lowlink[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                components.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return components
