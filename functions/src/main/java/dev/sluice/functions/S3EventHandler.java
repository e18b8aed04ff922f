package dev.sluice.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.List;

/** S3 objects that were created (decoded from EventBridge or a classic notification) start matching DAG runs. */
public final class S3EventHandler implements RequestHandler<List<Coordinator.S3Object>, Void> {
    private final Coordinator coordinator;

    public S3EventHandler(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public Void handleRequest(List<Coordinator.S3Object> objects, Context context) {
        for (Coordinator.S3Object o : objects) {
            coordinator.objectCreated(o);
        }
        return null;
    }
}
