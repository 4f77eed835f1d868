package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const lease = time.Minute

// claim claims a job for owner and fails the test when none is available.
func claim(t *testing.T, s *Store, owner string) *Job {
	t.Helper()
	job, err := s.ClaimJob(context.Background(), owner, lease)
	if err != nil {
		t.Fatalf("ClaimJob(%s): %v", owner, err)
	} else if job == nil {
		t.Fatalf("ClaimJob(%s): no job", owner)
	}
	return job
}

// claimNone fails the test unless there is nothing to claim.
func claimNone(t *testing.T, s *Store, owner string) {
	t.Helper()
	if job, err := s.ClaimJob(context.Background(), owner, lease); err != nil || job != nil {
		t.Fatalf("ClaimJob(%s) = %+v, %v; want nothing", owner, job, err)
	}
}

func TestCreateJobReturnsActiveJob(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doc")
	if job.Status != JobQueued || job.Stage != StageQueued || job.MaxAttempts != DefaultMaxAttempts {
		t.Fatalf("new job = %+v", job)
	}
	again, err := s.CreateJob(ctx, job.DocumentID, "bob")
	if err != nil || again.ID != job.ID {
		t.Fatalf("CreateJob with a queued job = %+v, %v; want job %d", again, err, job.ID)
	}
	claim(t, s, "w1")
	if again, err = s.CreateJob(ctx, job.DocumentID, "bob"); err != nil || again.ID != job.ID {
		t.Fatalf("CreateJob with a running job = %+v, %v; want job %d", again, err, job.ID)
	}
	if err := s.FailJob(ctx, job.ID, "broken", false); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.CreateJob(ctx, job.DocumentID, "bob")
	if err != nil || fresh.ID == job.ID || fresh.Status != JobQueued {
		t.Fatalf("CreateJob after failure = %+v, %v; want a new queued job", fresh, err)
	}
	if latest, err := s.LatestJob(ctx, job.DocumentID); err != nil || latest.ID != fresh.ID {
		t.Fatalf("LatestJob = %+v, %v; want %d", latest, err, fresh.ID)
	}
	other := testDocument(t, s, "other")
	_, err = s.LatestJob(ctx, other.ID)
	wantCode(t, err, ENOTFOUND)
}

func TestClaimJob(t *testing.T) {
	s, clk := newTestStore(t)
	claimNone(t, s, "w1")
	first := testJob(t, s, "first")
	second := testJob(t, s, "second")

	got := claim(t, s, "w1")
	if got.ID != first.ID || got.Status != JobRunning || got.Attempts != 1 || got.LeaseOwner != "w1" ||
		!got.LeaseUntil.Equal(clk.Now().Add(lease)) {
		t.Fatalf("first claim = %+v, want job %d running for w1 until now+lease", got, first.ID)
	}
	if got := claim(t, s, "w2"); got.ID != second.ID {
		t.Fatalf("second claim = job %d, want %d", got.ID, second.ID)
	}
	claimNone(t, s, "w3")

	_, err := s.ClaimJob(context.Background(), "", lease)
	wantCode(t, err, EINVALID)
}

func TestLeaseExpiryReclaim(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	job := testJob(t, s, "doc")
	claim(t, s, "w1")

	clk.Advance(lease / 2)
	if cancel, err := s.ExtendLease(ctx, job.ID, "w1", lease); err != nil || cancel {
		t.Fatalf("ExtendLease = %v, %v", cancel, err)
	}
	clk.Advance(lease - time.Second)
	claimNone(t, s, "w2") // the extended lease still holds

	clk.Advance(2 * time.Second) // w1 died: no more renewals
	got := claim(t, s, "w2")
	if got.ID != job.ID || got.LeaseOwner != "w2" || got.Attempts != 2 {
		t.Fatalf("reclaim = %+v, want job %d for w2 with attempts 2", got, job.ID)
	}
	_, err := s.ExtendLease(ctx, job.ID, "w1", lease)
	wantCode(t, err, ECONFLICT)
	_, err = s.ExtendLease(ctx, 999, "w1", lease)
	wantCode(t, err, ENOTFOUND)
}

func TestClaimFailsJobAfterLastAttempt(t *testing.T) {
	s, clk := newTestStore(t)
	job := testJob(t, s, "poison")
	for i := 1; i <= DefaultMaxAttempts; i++ {
		if got := claim(t, s, fmt.Sprintf("w%d", i)); got.Attempts != i {
			t.Fatalf("claim %d: attempts = %d", i, got.Attempts)
		}
		clk.Advance(lease + time.Second)
	}
	claimNone(t, s, "w9")
	got := mustJob(t, s, job.ID)
	if got.Status != JobFailed || got.Error == "" || got.FinishedAt.IsZero() || got.LeaseOwner != "" {
		t.Fatalf("job after %d interrupted attempts = %+v, want failed with a reason", DefaultMaxAttempts, got)
	}
}

func TestConcurrentClaims(t *testing.T) {
	const jobs, workersPerStore = 30, 4
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "precis.db")
	// Two stores on one file: two processes, each with its own writer.
	stores := []*Store{openTestStore(t, path), openTestStore(t, path)}
	for i := range jobs {
		testJob(t, stores[0], fmt.Sprintf("doc-%d", i))
	}

	var mu sync.Mutex
	claims := map[int64][]string{}
	var wg sync.WaitGroup
	for si, s := range stores {
		for w := range workersPerStore {
			owner := fmt.Sprintf("s%d-w%d", si, w)
			wg.Go(func() {
				for range jobs + 1 { // a worker can claim at most every job once
					job, err := s.ClaimJob(ctx, owner, time.Hour)
					if err != nil {
						t.Errorf("ClaimJob(%s): %v", owner, err)
						return
					} else if job == nil {
						return
					}
					mu.Lock()
					claims[job.ID] = append(claims[job.ID], owner)
					mu.Unlock()
				}
				t.Errorf("%s kept claiming jobs", owner)
			})
		}
	}
	wg.Wait()

	if len(claims) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claims), jobs)
	}
	for id, owners := range claims {
		if len(owners) != 1 {
			t.Errorf("job %d claimed by %v", id, owners)
		}
	}
	if bad, err := stores[1].VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("VerifyAuditChain after concurrent claims = %d, %v", bad, err)
	}
}
