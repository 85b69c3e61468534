/** The quickstart's demo backends, shipped in the jar so {@code demo} needs nothing else. */
package io.swarmingress.proxy.demo;
