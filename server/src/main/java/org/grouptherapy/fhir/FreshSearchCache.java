package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.entity.Search;
import ca.uhn.fhir.jpa.search.cache.DatabaseSearchCacheSvcImpl;
import java.time.Instant;
import java.util.Optional;

/**
 * HAPI's store of paged searches, reusing a saved search only while it is fresh. HAPI answers a
 * repeated search from the results it saved for the same query in the last minute, whatever was
 * written since; this server reuses one only when no write to FHIR resources has committed since
 * the search's database snapshot ({@link SearchFreshness}), so a VA sees the booking they just made
 * and an EHR the update it just sent, on any instance. A search first saved on another instance, or
 * before a restart, is not reused (its snapshot is not known here). Results are filtered for the
 * reader when a page is shown, not when they are saved, so a reused search shows each reader what a
 * new one would.
 */
public class FreshSearchCache extends DatabaseSearchCacheSvcImpl {

  private final SearchFreshness freshness;

  public FreshSearchCache(SearchFreshness freshness) {
    this.freshness = freshness;
  }

  /** A new search notes the database's snapshot first, before its query runs. */
  @Override
  public Search save(Search search, RequestPartitionId partition) {
    if (search.getId() == null && search.getUuid() != null) {
      freshness.remember(search.getUuid());
    }
    return super.save(search, partition);
  }

  @Override
  public Optional<Search> findCandidatesForReuse(
      String resourceType, String queryString, Instant createdAfter, RequestPartitionId partition) {
    return super.findCandidatesForReuse(resourceType, queryString, createdAfter, partition)
        .filter(candidate -> freshness.unchangedSince(candidate.getUuid()));
  }
}
