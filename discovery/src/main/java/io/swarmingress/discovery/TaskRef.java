package io.swarmingress.discovery;

/**
 * Which Swarm task an endpoint is, for people: the dashboard shows it beside the address. Routing
 * never reads it, so a change of task behind an unchanged address is no reason to rebuild a table.
 *
 * @param taskId the task's id ({@code ID})
 * @param nodeId the node it runs on ({@code NodeID}); null when Swarm has not placed it
 */
public record TaskRef(String taskId, String nodeId) {
    public TaskRef {
        if (taskId == null || taskId.isEmpty()) {
            throw new IllegalArgumentException("taskId: '" + taskId + "' (expected: a task id)");
        }
    }
}
