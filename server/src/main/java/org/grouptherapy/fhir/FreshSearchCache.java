package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.dao.data.ISearchDao;
import ca.uhn.fhir.jpa.entity.Search;
import ca.uhn.fhir.jpa.search.cache.DatabaseSearchCacheSvcImpl;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
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
  private final ISearchDao searches;

  public FreshSearchCache(SearchFreshness freshness, ISearchDao searches) {
    this.freshness = freshness;
    this.searches = searches;
  }

  /** A new search notes the database's snapshot first, before its query runs. */
  @Override
  public Search save(Search search, RequestPartitionId partition) {
    if (search.getId() == null && search.getUuid() != null) {
      freshness.remember(search.getUuid());
    }
    return super.save(search, partition);
  }

  /**
   * The newest saved search for the query that is still fresh. HAPI takes the first candidate its
   * query returns, the oldest of the minute as often as not; an older search is stale whenever a
   * newer one is (its snapshot sees less), so candidates are tried newest first, and the first
   * whose snapshot is known here decides.
   */
  @Override
  public Optional<Search> findCandidatesForReuse(
      String resourceType, String queryString, Instant createdAfter, RequestPartitionId partition) {
    String stored = Search.createSearchQueryStringForStorage(queryString, partition);
    List<Search> candidates =
        searches
            .findWithCutoffOrExpiry(resourceType, stored.hashCode(), Date.from(createdAfter))
            .stream()
            .filter(candidate -> stored.equals(candidate.getSearchQueryString()))
            .filter(candidate -> candidate.getCreated().toInstant().isAfter(createdAfter))
            .sorted(Comparator.comparing(Search::getCreated).reversed())
            .toList();
    for (Search candidate : candidates) {
      if (freshness.knows(candidate.getUuid())) {
        return freshness.unchangedSince(candidate.getUuid())
            ? Optional.of(candidate)
            : Optional.empty();
      }
    }
    return Optional.empty();
  }
}
