package org.grouptherapy.fhir;

/**
 * Marks a Spring bean as a HAPI interceptor of the REST layer ({@code SERVER_*} pointcuts): {@link
 * FhirRestfulServerConfiguration} registers every such bean with the RestfulServer.
 */
public interface FhirRestInterceptor {}
