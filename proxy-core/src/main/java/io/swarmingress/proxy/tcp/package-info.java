/**
 * The tcp front: a byte relay between a client and one endpoint of the entrypoint's service, with
 * read-driven flow control and half-close carried both ways.
 */
package io.swarmingress.proxy.tcp;
