"""Jira CSV header names in other languages -> the English names the CSV reader understands.

Jira writes the CSV header in the exporting user's language ("Clave de incidencia"
instead of "Issue key"). :func:`canonical_header` turns any header cell into the
English name; the CSV reader then looks up fields by English name only.

To support another language, add a dict to :data:`HEADER_NAMES` (localised name ->
English name; matching ignores case and repeated spaces) and, for the parts Jira
wraps around a name (``Custom field (...)``, ``Inward issue link (...)``), a dict to
:data:`HEADER_PREFIXES`. Names only need an entry when they differ from English.

Examples
--------
>>> canonical_header("Clave de incidencia")
'Issue key'
>>> canonical_header("Campo personalizado (Story Points)")
'Custom field (Story Points)'
>>> canonical_header("Enlace a la incidencia interna (Blocks)")
'Inward issue link (Blocks)'
"""

from __future__ import annotations

import functools
import re

__all__ = ["HEADER_NAMES", "HEADER_PREFIXES", "EPIC_TYPE_NAMES", "SUBTASK_TYPE_NAMES", "canonical_header"]

#: language -> {localised header name: English header name}
HEADER_NAMES: dict[str, dict[str, str]] = {
    # Spanish, as written by Jira Cloud (shared/data/jira-exports/csv/es-locale-cloud.csv)
    "es": {
        "Resumen": "Summary",
        "Clave de incidencia": "Issue key",
        "ID de la incidencia": "Issue id",
        "Tipo de Incidencia": "Issue Type",
        "Estado": "Status",
        "Clave del proyecto": "Project key",
        "Nombre del proyecto": "Project name",
        "Tipo de proyecto": "Project type",
        "Responsable del proyecto": "Project lead",
        "ID del responsable del proyecto": "Project lead id",
        "Descripción del proyecto": "Project description",
        "Prioridad": "Priority",
        "Resolución": "Resolution",
        "Persona asignada": "Assignee",
        "ID de la persona asignada": "Assignee Id",
        "Informador": "Reporter",
        "ID del informador": "Reporter Id",
        "Creador": "Creator",
        "ID del creador": "Creator Id",
        "Creada": "Created",
        "Actualizada": "Updated",
        "Vista por Última Vez": "Last Viewed",
        "Resuelta": "Resolved",
        "Fecha de vencimiento": "Due date",
        "Votos": "Votes",
        "Etiquetas": "Labels",
        "Descripción": "Description",
        "Entorno": "Environment",
        "Interesados": "Watchers",
        "ID de los interesados": "Watchers Id",
        "Adjunto": "Attachment",
        "Comentario": "Comment",
        "Comentarios": "Comment",
        "Componentes": "Components",
        "Versiones de corrección": "Fix versions",
        "Versiones afectadas": "Affects versions",
        "Registro de trabajo": "Log Work",
        "Categoría de estado": "Status Category",
        "Categoría de estado cambiada": "Status Category Changed",
        "Principal": "Parent",
        "Clave principal": "Parent key",
        "Resumen principal": "Parent summary",
        "Equipo": "Team",
        "Enlace a épica": "Custom field (Epic Link)",
    },
}

#: language -> {localised prefix: English prefix}, for names Jira wraps around a field or link type
HEADER_PREFIXES: dict[str, dict[str, str]] = {
    "es": {
        "Campo personalizado (": "Custom field (",
        "Enlace a la incidencia interna (": "Inward issue link (",
        "Enlace de incidencia saliente (": "Outward issue link (",
        "Enlace de incidencia entrante (": "Inward issue link (",
        "Enlace a la incidencia saliente (": "Outward issue link (",
    },
}

#: Issue-type names (lower case) that mark an epic, in several languages. The one table for
#: every reader and for :func:`attn_team.io.assemble`: extend it here.
EPIC_TYPE_NAMES = frozenset({
    "epic", "épica", "epica", "épico", "epico", "épique", "epos", "эпик", "эпос", "эпопея", "エピック", "史诗",
})

#: Issue-type names (lower case) that mark a sub-task, in several languages (sprint counts leave them out).
SUBTASK_TYPE_NAMES = frozenset({
    "sub-task", "subtask", "sub task", "subtarea", "sub-tarea", "subtarefa", "sub-tarefa", "sous-tâche",
    "sous-tache", "unteraufgabe", "teilaufgabe", "sottotask", "sotto-task", "подзадача", "サブタスク", "子任务",
})

_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.strip()).casefold()


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], list[tuple[str, str]]]:
    names = {_norm(k): v for table in HEADER_NAMES.values() for k, v in table.items()}
    prefixes = sorted(
        ((_norm(k), v) for table in HEADER_PREFIXES.values() for k, v in table.items()),
        key=lambda kv: -len(kv[0]),
    )
    return names, prefixes


def canonical_header(name: str) -> str:
    """The English Jira header name for ``name`` (unchanged when it is English or unknown).

    Surrounding spaces are dropped. Call ``_tables.cache_clear()`` after editing the
    tables at run time.
    """
    names, prefixes = _tables()
    clean = _SPACES.sub(" ", name.strip())
    key = clean.casefold()
    hit = names.get(key)
    if hit is not None:
        return hit
    for prefix, english in prefixes:
        if key.startswith(prefix):
            return english + clean[len(prefix):]
    return clean
