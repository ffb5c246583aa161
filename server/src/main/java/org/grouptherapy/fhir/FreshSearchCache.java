package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.dao.data.ISearchDao;
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

  /**
   * The snapshot the reuse lookup took on this thread, for the new search HAPI saves right after
   * when nothing could be reused (HAPI runs a search on the requesting thread). Taken before the
   * query, so the search's results see at least what it sees; left over from an earlier request, it
   * is only older, which makes reuse rarer, never wrong.
   */
  private static final ThreadLocal<String> LOOKED_UP = new ThreadLocal<>();

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
      String snapshot = LOOKED_UP.get();
      LOOKED_UP.remove();
      freshness.remember(search.getUuid(), snapshot);
    }
    return super.save(search, partition);
  }

  /**
   * The newest saved search for the query, if still fresh. HAPI took the first candidate its query
   * returned, the oldest of the minute as often as not; an older search is stale whenever a newer
   * one is (its snapshot sees less), so candidates come newest first and the first whose snapshot
   * is known here decides. One statement finds them and takes the snapshot a new search will need.
   */
  @Override
  public Optional<Search> findCandidatesForReuse(
      String resourceType, String queryString, Instant createdAfter, RequestPartitionId partition) {
    String stored = Search.createSearchQueryStringForStorage(queryString, partition);
    SearchFreshness.Candidates found = freshness.candidates(resourceType, stored, createdAfter);
    LOOKED_UP.set(found.snapshot());
    for (String uuid : found.newestFirst()) {
      if (freshness.knows(uuid)) {
        if (!freshness.unchangedSince(uuid)) {
          return Optional.empty();
        }
        Optional<Search> reused = searches.findByUuidAndFetchIncludes(uuid);
        reused.ifPresent(search -> LOOKED_UP.remove());
        return reused;
      }
    }
    return Optional.empty();
  }
}
