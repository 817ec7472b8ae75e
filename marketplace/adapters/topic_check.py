"""Existing topics against the configured settings: what differs, and altering what can be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from marketplace.adapters.kafka_topics import TopicSettings, ensure_topics

# DescribeConfigs' config_source for a value set on the topic itself (Kafka's
# DYNAMIC_TOPIC_CONFIG): the overrides a legacy AlterConfigs must send again, since it
# replaces the topic's whole set of overrides (the others fall back to the broker's defaults).
TOPIC_OVERRIDE = 1
NOT_REPORTED = "(not reported: broker default)"
ABSENT = "(no such topic)"
WHY_NOT = {
    "partitions": "adding partitions moves keys to other partitions and breaks each "
    "aggregate's order for consumers; make a new topic and `relay republish` into it",
    "replication_factor": "needs a partition reassignment "
    "(kafka-reassign-partitions.sh), not a config change",
}


@dataclass(frozen=True)
class Observed:
    """A topic as the broker describes it."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]  # every topic config the broker reported
    overrides: dict[str, str]  # those set on the topic itself


@dataclass(frozen=True)
class Difference:
    """One setting of one topic that is not what the configuration asks for."""

    topic: str
    setting: str
    expected: str
    found: str

    @property
    def alterable(self) -> bool:
        """`topics apply` can fix it (create the topic, or alter a config)."""
        return self.setting not in WHY_NOT


def differences(
    settings: TopicSettings, topics: Sequence[str], observed: dict[str, Observed]
) -> list[Difference]:
    """Every way the named topics differ from `settings`, topic by topic, in a fixed order."""
    found: list[Difference] = []
    for name in topics:
        topic = observed.get(name)
        if topic is None:
            found.append(Difference(name, "exists", "yes", ABSENT))
            continue
        if topic.partitions != settings.partitions:
            found.append(
                Difference(name, "partitions", str(settings.partitions), str(topic.partitions))
            )
        if topic.replication_factor != settings.replication_factor:
            found.append(
                Difference(
                    name,
                    "replication_factor",
                    str(settings.replication_factor),
                    str(topic.replication_factor),
                )
            )
        for key, expected in settings.configs().items():
            actual = topic.configs.get(key)
            if actual != expected:
                found.append(Difference(name, key, expected, actual or NOT_REPORTED))
    return found


def alter_request(
    settings: TopicSettings, topic: Observed, wrong: Sequence[Difference]
) -> ConfigResource | None:
    """The AlterConfigs resource putting the topic's wrong configs right, or None.

    AlterConfigs (the version every Kafka since 0.11 answers) replaces the topic's overrides
    as a whole: the overrides it already has are sent again beside the corrected ones, so
    settings made by hand (say `max.message.bytes`) survive."""
    configs = settings.configs()
    fixing = {d.setting: configs[d.setting] for d in wrong if d.setting in configs}
    if not fixing:
        return None
    return ConfigResource(
        ConfigResourceType.TOPIC, topic.name, configs={**topic.overrides, **fixing}
    )


async def observe(admin: AIOKafkaAdminClient, topics: Sequence[str]) -> dict[str, Observed]:
    """The named topics that exist, as the broker describes them."""
    existing = set(await admin.list_topics())
    names = [t for t in topics if t in existing]
    if not names:
        return {}
    described = await admin.describe_topics(names)
    shapes = {d["topic"]: d["partitions"] for d in described if d.get("error_code", 0) == 0}
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
    )
    configs = {name: entries for response in responses for name, entries in _resources(response)}
    observed = {}
    for name in names:
        partitions = shapes.get(name, [])
        entries = configs.get(name, [])
        observed[name] = Observed(
            name,
            len(partitions),
            len(partitions[0]["replicas"]) if partitions else 0,
            {e[0]: e[1] for e in entries if e[1] is not None},
            {e[0]: e[1] for e in entries if e[1] is not None and e[3] == TOPIC_OVERRIDE},
        )
    return observed


def _resources(response: Any) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """(topic, config entries) of a DescribeConfigs response; entries are (name, value,
    read_only, source, …) in every version of the response."""
    return [(r[3], list(r[4])) for r in response.resources if r[0] == 0]


@dataclass(frozen=True)
class Applied:
    """What `topics apply` did: created, altered, and what it could not change."""

    created: list[str]
    altered: list[Difference]
    refused: list[tuple[str, str]]  # (topic, the broker's error)
    left: list[Difference]  # what cannot be altered in place


async def check(bootstrap: str, topics: Sequence[str], settings: TopicSettings) -> list[Difference]:
    """Every difference between the broker's topics and `settings`."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="marketplace-topics")
    await admin.start()
    try:
        return differences(settings, topics, await observe(admin, topics))
    finally:
        await admin.close()


async def apply(bootstrap: str, topics: Sequence[str], settings: TopicSettings) -> Applied:
    """Create the missing topics and alter the configs that differ; partitions and replicas
    are left as they are (said in `left`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="marketplace-topics")
    await admin.start()
    try:
        observed = await observe(admin, topics)
        found = differences(settings, topics, observed)
        missing = [d.topic for d in found if d.setting == "exists"]
        if missing:
            await ensure_topics(bootstrap, "marketplace-topics", missing, settings)
        requests = []
        for name, topic in observed.items():
            request = alter_request(settings, topic, [d for d in found if d.topic == name])
            if request is not None:
                requests.append(request)
        refused: list[tuple[str, str]] = []
        if requests:
            for response in await admin.alter_configs(requests):
                refused += [(r[3], f"error {r[0]} {r[1] or ''}".strip()) for r in _errors(response)]
        failed = {t for t, _ in refused}
        altered = [
            d for d in found if d.alterable and d.setting != "exists" and d.topic not in failed
        ]
        return Applied(missing, altered, refused, [d for d in found if not d.alterable])
    finally:
        await admin.close()


def _errors(response: Any) -> list[tuple[Any, ...]]:
    """The resources an AlterConfigs response did not alter (error_code, message, type, name)."""
    return [tuple(r) for r in getattr(response, "resources", []) if r[0] != 0]
