package io.swarmingress.discovery;

import java.util.List;
import java.util.Map;

/**
 * The part of a Swarm service and its tasks that routing needs, read in one go.
 *
 * @param replicas the desired replica count, or -1 for a global service
 * @param updating whether a rolling update or rollback is in progress
 * @param tasks the tasks whose desired state is running (empty for a service no route uses)
 * @param readSeq order of the read that produced this value, so that a slow read can never
 *                overwrite a newer one
 */
record SwarmService(String id, String name, Map<String, String> labels, long replicas, boolean updating,
                    List<SwarmTask> tasks, long readSeq) {

    SwarmService {
        labels = Map.copyOf(labels);
        tasks = List.copyOf(tasks);
    }

    SwarmService withTasks(List<SwarmTask> t, long seq) {
        return new SwarmService(id, name, labels, replicas, updating, t, seq);
    }

    /**
     * Whether Swarm is still moving this service toward its spec: a task scheduled but not yet
     * running, fewer or more tasks than replicas, an update in progress. Swarm emits no task
     * events, so while this holds the service is re-read at a short interval instead.
     */
    boolean converging() {
        if (updating) {
            return true;
        }
        if (replicas >= 0 && tasks.size() != replicas) {
            return true;
        }
        for (SwarmTask t : tasks) {
            if (!t.running()) {
                return true;
            }
        }
        return false;
    }

    /** A task of the service, reduced to what endpoint selection needs. */
    record SwarmTask(String id, String state, String desiredState, List<Attachment> attachments) {
        SwarmTask {
            attachments = List.copyOf(attachments);
        }

        /** Running and meant to run: the only tasks that may receive traffic. */
        boolean running() {
            return "running".equals(state) && "running".equals(desiredState);
        }
    }

    /** A task's place on one network; addresses keep Docker's {@code ip/prefix} form. */
    record Attachment(String networkId, String networkName, boolean ingress, List<String> addresses) {
        Attachment {
            addresses = List.copyOf(addresses);
        }
    }
}
