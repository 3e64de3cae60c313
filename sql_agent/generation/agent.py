"""The agent: the short loop that links the schema, asks the model, checks and runs the SQL, repairs
it on failure (at most `max_repairs` times), and writes the answer, chart and follow-ups.

The model is any callable `generate(messages, **options) -> str`, so tests can script its replies;
every backend is reached through one adapter, `backends.text_generator.TextGenerator`, which the page,
the CLI and the evaluation harness share.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backends import Message

from ..answers.chart import choose_chart
from ..answers.confidence import Signals, confidence
from ..answers.reading import read_query
from ..answers.summary import follow_ups, summarise
from ..execution.sandbox import DatabaseError, QueryTimeout
from ..execution.sources import Source
from ..grounding import ValueIndex, literal_notes, match_values, ungrounded_literals
from ..safety.validate import DEFAULT_ROW_CAP, Checked, check_sql
from ..semantic.model import (
    SemanticModel,
    closest_examples,
    described_schema,
    match_verified,
    reading_labels,
)
from . import prompts
from .agent_answer import AgentAnswer, Alternative, Attempt, failed_answer  # noqa: F401 (re-exported)
from .candidates import agreeing, by_agreement, result_key
from .extract import extract_sql, normalised_sql
from .grammar import sql_grammar
from .linking import DEFAULT_TOKEN_BUDGET, estimate_tokens, link_schema
from .repair import repair_notes

Generate = Callable[..., str]  # generate(messages, **options) -> reply; options: grammar, temperature, seed
# Sampling for candidates and for a repair that repeated itself. min_p = 0: llama.cpp's default keeps
# only tokens at least 5% as likely as the best, which leaves a reply the model is sure of (a repair
# copying the failed query) no way out.
SAMPLING = {"temperature": 0.8, "min_p": 0.0}


@dataclass
class SqlAgent:
    source: Source
    generate: Generate | None = None
    semantic: SemanticModel | None = None
    max_repairs: int = 2
    token_budget: int = DEFAULT_TOKEN_BUDGET
    row_cap: int = DEFAULT_ROW_CAP
    max_rows: int | None = None  # rows fetched for display (default: the source's limit)
    use_verified: bool = True
    examples: int = 5  # verified queries shown as examples, closest first (5: defog +4.3 points over 3)
    constrain: bool = False  # decode under a grammar of the linked tables' names (embedded backend only)
    candidates: int = 1  # > 1: execution-guided selection among this many replies
    # Repair in a new one-message prompt holding the failed query and its error, rather than as the
    # next turn of the chat: told "that failed" in a chat, the 1.5B model often sends its reply again.
    repair_fresh: bool = True
    values: ValueIndex | None = None  # the source's text values: matched to the question, literals checked
    # Sampled readings of the question run beside a new answer: do they find the same rows (behind
    # "confident"), and if not, what they find (the alternatives an unsure answer shows).
    second_readings: int = 0

    def ask(self, question: str, history: tuple[str, str] | None = None) -> AgentAnswer:
        """Answer `question`; `history` is the previous (question, SQL) of this conversation."""
        started = time.perf_counter()
        answer = AgentAnswer(question)
        model_s = second_s = 0.0
        schema = self.source.schema

        verified, _ = match_verified(question, self.semantic) if self.use_verified else (None, 0.0)
        if verified:
            answer.verified = verified.name
            self._try(answer, 1, "", verified.sql)
        else:
            synonyms = self.semantic.synonyms_by_table() if self.semantic else None
            examples = closest_examples(question, self.semantic, self.examples)
            matches = match_values(question, self.values)
            answer.matches = [m.shown() for m in matches]
            found = [m.note() for m in matches]
            # the examples, the earlier turn and the values share the budget with the schema: a repair
            # prompt repeats them all, and long verified queries once pushed it past a 4k context
            beside = estimate_tokens(prompts.user_prompt(question, "", examples, history, found))
            budget = max(self.token_budget - beside, self.token_budget // 2)
            # the tables holding the question's values are linked as if the question named them
            linked_text = " ".join([question, *(f"{m.table} {m.column}" for m in matches)])
            answer.schema_slice = link_schema(linked_text, self._described(schema), budget, synonyms)
            user = prompts.user_prompt(question, answer.schema_slice.text, examples, history, found)
            messages = [Message("system", prompts.system_prompt(self.source.dialect)), Message("user", user)]
            if self.generate is None:
                raise ValueError("This question needs a model, and the agent has none.")
            options = {}
            if self.constrain:
                tables = [t for n in answer.schema_slice.tables if (t := schema.table(n))]
                options["grammar"] = sql_grammar(tables)
            first = list(messages)
            notes: list[str] = []
            for number in range(1, self.max_repairs + 2):
                answer.messages = list(messages)
                if number == 1 and self.candidates > 1:
                    reply, attempt, spent = self._first_of_candidates(answer, messages, options)
                else:
                    t0 = time.perf_counter()
                    reply = self.generate(messages, **options)
                    if number > 1 and _repeats(extract_sql(reply), answer.attempts):
                        reply = self._unrepeated(messages, first, answer.attempts, notes, number, options)
                    spent = time.perf_counter() - t0
                    can_repair = number <= self.max_repairs
                    attempt = self._try(answer, number, reply, extract_sql(reply), spent, can_repair)
                model_s += spent
                if attempt.outcome == "ok":
                    break
                notes = repair_notes(attempt.sql, attempt.message, self._described(schema), question)
                if self.repair_fresh:
                    retry = prompts.retry_prompt(attempt.sql or reply, attempt.message, notes)
                    messages = [*first[:-1], Message("user", first[-1].content + retry)]
                else:
                    messages += [
                        Message("assistant", reply),
                        Message("user", prompts.repair_prompt(attempt.message, notes)),
                    ]
            if self.second_readings:
                second_s = self._second_readings(answer, first, options)
                model_s += second_s
                if not answer.ok and answer.alternatives:
                    self._take_reading(answer)

        self._finish(answer, schema)
        if take_trace := getattr(self.generate, "take_trace", None):
            answer.trace = take_trace()
        total = time.perf_counter() - started
        answer.timings = {"total_s": total, "model_s": model_s, "agent_s": total - model_s}
        if second_s:
            answer.timings["second_readings_s"] = second_s
        if take_spent := getattr(self.generate, "take_spent", None):
            answer.timings.update(take_spent())  # where the model's time went (TextGenerator)
        return answer

    def warm(self) -> int:
        """Have the model read, before the first question, what every question's prompt starts with:
        the system prompt and the whole schema (a schema linked per question has no common part).
        Meant for a background thread when a source is opened; the tokens read, 0 where the backend
        keeps no prompt between calls or the schema does not fit whole."""
        if self.generate is None or not hasattr(self.generate, "warm"):
            return 0
        budget = self.token_budget - estimate_tokens(prompts.user_prompt("", ""))
        whole = link_schema("", self._described(self.source.schema), budget)
        if not whole.whole_schema:
            return 0
        system = Message("system", prompts.system_prompt(self.source.dialect))
        return self.generate.warm([system, Message("user", prompts.user_prompt("", whole.text))])

    def _second_readings(self, answer: AgentAnswer, first, options) -> float:
        """Sample `second_readings` replies to the first prompt, run them, and count those that find
        the answer's rows; up to two that find other rows become alternatives. Returns model seconds."""
        own = result_key(answer.result) if answer.ok else None
        spent, agreeing_, seen = 0.0, 0, {}
        for i in range(self.second_readings):
            t0 = time.perf_counter()
            reply = self.generate(first, **options, **SAMPLING, seed=100 + i)
            spent += time.perf_counter() - t0
            trial = AgentAnswer(answer.question)
            attempt = self._try(trial, 1, reply, extract_sql(reply))
            if attempt.outcome != "ok" or trial.result is None:
                continue
            key = result_key(trial.result)
            if key == own:
                agreeing_ += 1
            elif key in seen:
                answer.alternatives[seen[key]].readings += 1
            elif len(answer.alternatives) < 2:
                seen[key] = len(answer.alternatives)
                sql = attempt.sql or ""
                answer.alternatives.append(Alternative(sql, self._reading(sql), trial.result))
        answer.agreement = (agreeing_, self.second_readings)
        return spent

    @staticmethod
    def _take_reading(answer: AgentAnswer) -> None:
        """No query of the first reading ran, even repaired: the rows most readings found (the first
        on a tie) become the answer, marked as another reading (held-out defog half: 4 of 4 right)."""
        chosen = max(answer.alternatives, key=lambda a: a.readings)
        answer.alternatives.remove(chosen)
        why = "another reading of the question, sampled after the attempts above failed"
        answer.attempts.append(Attempt(len(answer.attempts) + 1, "", chosen.sql, "ok", why, chosen.sql))
        answer.result = chosen.result
        answer.from_reading = True

    def _unrepeated(self, messages, first, attempts: list[Attempt], notes, number: int, options) -> str:
        """A reply other than the failed query the model just sent back. Sampled once first; if that
        repeats too, the question is asked again without the query, the error and notes as a hint:
        shown its own query, the 1.5B model copies it even when sampling and told the fix."""
        reply = self.generate(messages, **options, **SAMPLING, seed=number)
        if not _repeats(extract_sql(reply), attempts):
            return reply
        hint = prompts.hint_prompt(attempts[-1].message, notes)
        hinted = [*first[:-1], Message("user", first[-1].content + hint)]
        reply = self.generate(hinted, **options)
        if _repeats(extract_sql(reply), attempts):
            reply = self.generate(hinted, **options, **SAMPLING, seed=number)
        return reply

    def _first_of_candidates(self, answer: AgentAnswer, messages, options) -> tuple[str, Attempt, float]:
        """Execution-guided selection: the greedy reply and up to `candidates - 1` sampled ones, each
        checked and run; the result most of them agree on wins (ties: the earlier reply). Stops as
        soon as two runnable replies agree. Returns the chosen reply, its attempt and model seconds."""
        trials: list[tuple[str, Attempt, AgentAnswer]] = []
        spent = 0.0
        for i in range(self.candidates):
            sampling = {} if i == 0 else {**SAMPLING, "seed": i}
            t0 = time.perf_counter()
            reply = self.generate(messages, **options, **sampling)
            spent += time.perf_counter() - t0
            trial = AgentAnswer(answer.question)
            attempt = self._try(trial, 1, reply, extract_sql(reply), time.perf_counter() - t0)
            trials.append((reply, attempt, trial))
            if agreeing(trials):
                break
        reply, attempt, trial = by_agreement(trials)
        answer.attempts.append(attempt)
        answer.result = trial.result
        return reply, attempt, spent

    def _described(self, schema):
        """The schema the prompt shows: with semantic descriptions, built once per schema."""
        cached = self.__dict__.get("_described_schema")
        if cached is None or cached[0] is not schema:
            cached = (schema, described_schema(schema, self.semantic))
            self.__dict__["_described_schema"] = cached
        return cached[1]

    def run_sql(self, sql: str, question: str = "") -> AgentAnswer:
        """Check and run SQL a person wrote or edited, with the same answer, chart and follow-ups."""
        started = time.perf_counter()
        answer = AgentAnswer(question)
        self._try(answer, 1, "", sql)
        self._finish(answer, self.source.schema)
        answer.confidence = answer.confidence_why = ""  # the person's own query: theirs to judge
        total = time.perf_counter() - started
        answer.timings = {"total_s": total, "model_s": 0.0, "agent_s": total}
        return answer

    def _try(
        self,
        answer: AgentAnswer,
        number: int,
        reply: str,
        sql: str | None,
        model_s: float = 0.0,
        can_repair: bool = False,
    ) -> Attempt:
        attempt = Attempt(number, reply, sql, "ok", model_s=model_s)
        answer.attempts.append(attempt)
        if not sql:
            attempt.outcome = "no_sql"
            attempt.message = (
                "The reply contained no SQL query. Reply with one SELECT query in a ```sql block."
            )
            return attempt
        checked: Checked = check_sql(
            sql, self.source.dialect, self.source.schema, row_cap=self.row_cap, question=answer.question
        )
        if not checked.allowed:
            attempt.outcome, attempt.message = checked.outcome, checked.reason
            return attempt
        written_by_model = bool(reply)  # a verified or hand-written query is run as it is
        if written_by_model and (notes := self._literal_notes(sql, proven=True)):
            attempt.outcome, attempt.message = "invalid", " ".join(notes)
            return attempt
        attempt.final_sql = checked.sql
        try:
            answer.result = self.source.run(checked.sql, self.max_rows)
        except (DatabaseError, QueryTimeout) as err:
            attempt.outcome, attempt.message = "db_error", str(err).split("\n\n")[0][:600]
            return attempt
        # no rows, and a literal is not among its column's values but close to some: say which
        empty = written_by_model and can_repair and not answer.result.rows
        if empty and (notes := self._literal_notes(sql, proven=False)):
            attempt.outcome, attempt.message = "empty", "The query returned no rows. " + " ".join(notes)
            answer.result = None
        return attempt

    def _literal_notes(self, sql: str, proven: bool) -> list[str]:
        return literal_notes(sql, self.source.dialect, self.source.schema, self.values, proven)

    def _reading(self, sql: str) -> str:
        return read_query(sql, self.source.dialect, reading_labels(self.semantic))

    def _finish(self, answer: AgentAnswer, schema) -> None:
        if not answer.result:
            return
        answer.summary = summarise(answer.result)
        written = answer.attempts[-1].sql or answer.sql or ""  # as written: before the row cap is added
        answer.reading = self._reading(written)
        answer.chart = choose_chart(answer.result)
        tables = (
            list(answer.schema_slice.tables) if answer.schema_slice else _tables_in(answer.sql or "", schema)
        )
        suggested = self.semantic.suggested_questions if self.semantic else []
        answer.follow_ups = follow_ups(
            answer.question or "This", answer.sql or "", answer.result, schema, tables, suggested
        )
        signals = Signals(
            verified=bool(answer.verified),
            ran=True,
            repairs=len(answer.attempts) - 1,
            empty=not answer.result.rows,
            ungrounded=len(ungrounded_literals(written, self.source.dialect, schema, self.values)),
            agreement=answer.agreement,
            from_reading=answer.from_reading,
        )
        answer.confidence, answer.confidence_why = confidence(signals)


def _tables_in(sql: str, schema) -> list[str]:
    lowered = sql.lower()
    return [t.name for t in schema.tables if t.name.lower() in lowered]


def _repeats(sql: str | None, attempts: Sequence[Attempt]) -> bool:
    """The same query as an earlier attempt, spacing and case aside (quoted text as written)."""
    if not sql:
        return False
    key = normalised_sql(sql)
    return any(a.sql and normalised_sql(a.sql) == key for a in attempts)
