package dev.sluice.functions.support;

import dev.sluice.functions.dispatch.CoordinatorQueue;
import dev.sluice.functions.dispatch.Dispatcher;
import dev.sluice.functions.message.CoordinatorMessage;
import dev.sluice.functions.message.TaskInvocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A dispatcher and a queue that only record what they are given. */
public final class Recorders {
    private Recorders() {
    }

    public record Invocation(String function, TaskInvocation invocation, String json) {
    }

    public record Sent(CoordinatorMessage message, Duration delay) {
    }

    public static final class RecordingDispatcher implements Dispatcher {
        public final List<Invocation> invocations = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void invoke(String function, String payloadJson) {
            invocations.add(new Invocation(function, TaskInvocation.parse(payloadJson), payloadJson));
        }
    }

    public static final class RecordingQueue implements CoordinatorQueue {
        public final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void send(CoordinatorMessage message, Duration delay) {
            sent.add(new Sent(message, delay));
        }

        public <T extends CoordinatorMessage> List<T> of(Class<T> type) {
            synchronized (sent) {
                return sent.stream().map(Sent::message).filter(type::isInstance).map(type::cast).toList();
            }
        }
    }
}
