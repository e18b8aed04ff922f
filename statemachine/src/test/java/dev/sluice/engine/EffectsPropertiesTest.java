package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.testing.RandomDags;
import dev.sluice.engine.testing.RunDriver;
import dev.sluice.model.Callbacks;
import dev.sluice.model.Dag;
import dev.sluice.model.DagBuilder;
import dev.sluice.store.InMemoryStateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Effects on random DAGs: one per event, whatever is delivered twice. */
class EffectsPropertiesTest {
    private static final Callbacks ALL = new Callbacks("f", "r", "s", "m", "e");

    private static List<String> run(long seed, boolean duplicates) {
        Dag dag = RandomDags.dag(seed, 2, 25, t -> t.callbacks(ALL).sla(Duration.ofMinutes(2)));
        RunDriver d = new RunDriver(dag, new InMemoryStateStore(), Instant.parse("2024-01-01T00:00:00Z"),
                new Random(seed));
        d.start("r1");
        Random dup = new Random(seed ^ 0x5eed);
        Function<Dispatch, Event> base = RandomDags.outcomes(dag, seed);
        d.runToEnd("r1", x -> {
            Event e = base.apply(x);
            if (duplicates && dup.nextInt(2) == 0) {
                d.send(x.runId(), new Event.TaskStarted(x.task(), x.tryNumber()));
                d.send(x.runId(), e);
            }
            return e;
        });
        if (duplicates) {
            for (String task : dag.taskIds()) {
                d.send("r1", new Event.TimerFired(TaskKey.of(task), 0, Timer.Kind.SLA));
            }
        }
        List<String> keys = d.store().effects("r1").stream().map(Effect::key).sorted().toList();
        long executes = keys.stream().filter(k -> k.endsWith("|execute")).count();
        assertThat(executes).as("one on_execute per try").isEqualTo(d.dispatched().size());
        return keys;
    }

    @Property(tries = 150)
    void duplicateDeliveriesRecordTheSameEffects(@ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
        assertThat(run(seed, true)).as("seed %d", seed).isEqualTo(run(seed, false));
    }

    @Property(tries = 200)
    void aTaskMissesItsSlaOnceExactlyWhenItIsLate(@ForAll @IntRange(min = 1, max = 600) int tookSeconds,
                                                  @ForAll @IntRange(min = 1, max = 600) int slaSeconds,
                                                  @ForAll @IntRange(min = 1, max = 3) int checks) {
        Dag dag = DagBuilder.dag("sla").task("t", t -> t.command("x").sla(Duration.ofSeconds(slaSeconds))).build();
        RunDriver d = new RunDriver(dag);
        d.start("r1");
        Dispatch x = d.pending().poll();
        d.send("r1", new Event.TaskStarted(x.task(), 1));
        d.advance(Duration.ofSeconds(tookSeconds));
        d.send("r1", new Event.TaskSucceeded(x.task(), 1, null));
        d.advance(Duration.ofSeconds(Math.max(0, slaSeconds - tookSeconds)));
        for (int i = 0; i < checks; i++) {
            d.send("r1", new Event.TimerFired(TaskKey.of("t"), 0, Timer.Kind.SLA));
        }
        long misses = d.store().effects("r1").stream().filter(e -> e.kind() == Effect.Kind.SLA_MISS).count();
        assertThat(misses).isEqualTo(tookSeconds > slaSeconds ? 1 : 0);
    }
}
