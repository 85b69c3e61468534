package io.swarmingress.discovery;

import java.util.List;
import java.util.Map;

/**
 * The part of a Swarm service and its tasks that routing needs, read in one go.
 *
 * @param replicas the desired replica count, or -1 for a global service (or a job)
 * @param updating whether a rolling update or rollback is in progress
 * @param tasks the tasks Swarm means to run, whatever their status, and, when they were read
 *              too, the tasks it no longer means to run whose container still runs (see
 *              {@link SwarmTask#outgoing()}); never a finished task. Empty for a service no route
 *              uses.
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
     * How many ready tasks the service should have: its replica count, or for a global service
     * (or a job, which has no replica count here) the number of tasks Swarm means to run.
     */
    long wanted() {
        return replicas >= 0 ? replicas : meantToRun();
    }

    /** The tasks that may receive traffic as of right: meant to run and running. */
    long ready() {
        long n = 0;
        for (SwarmTask t : tasks) {
            if (t.ready()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Fewer ready tasks than {@link #wanted()}: the one case where outgoing tasks may serve as
     * fallbacks, so the one case where they must be read. Only tasks Swarm means to run decide
     * this, so a read that left outgoing tasks out answers it as well as one that did not.
     */
    boolean belowWanted() {
        return ready() < wanted();
    }

    /**
     * Whether Swarm is still moving this service toward its spec: a task scheduled but not yet
     * running, fewer or more tasks meant to run than replicas, an update in progress. Swarm emits
     * no task events, so while this holds the service is re-read at a short interval instead.
     * Outgoing tasks do not count: they are read only when the service is below what it wants,
     * which is converging already, and their stopping is seen by the same re-reads.
     */
    boolean converging() {
        if (updating) {
            return true;
        }
        if (replicas >= 0 && meantToRun() != replicas) {
            return true;
        }
        for (SwarmTask t : tasks) {
            if (t.meantToRun() && !t.ready()) {
                return true;
            }
        }
        return false;
    }

    private long meantToRun() {
        long n = 0;
        for (SwarmTask t : tasks) {
            if (t.meantToRun()) {
                n++;
            }
        }
        return n;
    }

    /**
     * A task of the service, reduced to what endpoint selection needs.
     *
     * @param state the status Swarm last heard for the task ({@code Status.State})
     * @param desiredState what Swarm means the task to be ({@code DesiredState})
     * @param stateSince when {@code state} was last reported ({@code Status.Timestamp}, RFC 3339
     *                   as Docker writes it), kept as text: it is only compared to choose between
     *                   outgoing tasks, which is rare, and parsing it on every read is not free
     * @param nodeId the node Swarm placed it on ({@code NodeID}); null when not yet assigned.
     *               Not used for routing: the dashboard shows it beside the endpoint
     */
    record SwarmTask(String id, String state, String desiredState, String stateSince, List<Attachment> attachments,
                     String nodeId) {
        SwarmTask {
            attachments = List.copyOf(attachments);
        }

        /** A task whose node is not known (tests, tasks not yet placed). */
        SwarmTask(String id, String state, String desiredState, String stateSince, List<Attachment> attachments) {
            this(id, state, desiredState, stateSince, attachments, null);
        }

        /** Running and meant to run: endpoints as of right. */
        boolean ready() {
            return running() && meantToRun();
        }

        boolean meantToRun() {
            return "running".equals(desiredState);
        }

        /** Its container runs (as last reported), whatever Swarm means for it. */
        boolean running() {
            return "running".equals(state);
        }

        /**
         * Swarm no longer means to run it (desired state shutdown, remove...) and its container
         * still runs: what a reschedule, a drain or a stop-first update leaves for a while, and
         * the only kind of task that may stand in as a fallback.
         */
        boolean outgoing() {
            return running() && !meantToRun();
        }

        /** Meant to run or still running: the only tasks a read keeps (finished ones are history). */
        boolean worthKeeping() {
            return meantToRun() || running();
        }
    }

    /** A task's place on one network; addresses keep Docker's {@code ip/prefix} form. */
    record Attachment(String networkId, String networkName, boolean ingress, List<String> addresses) {
        Attachment {
            addresses = List.copyOf(addresses);
        }
    }
}
