package org.grouptherapy.fhir;

/**
 * Marks a Spring bean as a HAPI interceptor of the storage layer ({@code STORAGE_*} pointcuts).
 * These are registered with the JPA interceptor service, so they see every write: REST requests,
 * transaction entries, custom operations and the server's own writes alike.
 */
public interface FhirStorageInterceptor {}
