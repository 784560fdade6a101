// Package advise answers "what should I set?": it searches the Apache MPM
// and mod_wsgi settings that matter for a scenario's traffic and app, for
// the setting that meets the user's goals, every candidate simulated R
// times with common random numbers (sweep.Evaluate), then verifies the
// recommendation on R fresh replications and compares it with the
// settings people otherwise run.
//
// # Goals
//
// A candidate is judged on its R replications (Goals.Judge):
//
//	memory   max_r peak_pss_r ≤ budget, and no OOM kill in any replication
//	p99      hi(p99)  ≤ goal            (when a p99 goal is given)
//	errors   hi(failed share) ≤ goal    (every cause: 503, 504, 500, resets, refusals, client timeouts)
//
// where hi(x) = x̄ + t(0.975, R−1)·s/√R is the upper end of the 95%
// t-interval of the mean over the replications (validate.NewEstimate). The
// memory goal takes the worst replication: with R ≤ 100 replications, the
// 99th percentile of R values is their maximum. The default budget is
// host.ram − Margin(host.ram), the margin being a tenth of RAM, at least
// 64 MiB and at most half: room for the kernel, sshd, cron and the page
// cache. A budget below the least memory any server running the app needs
// (MinimumMemory: the shared pages, the parent, one process with the app)
// is impossible and refused before anything runs.
//
// # The rule
//
// Candidates are ranked lexicographically (Goals.better):
//
//  1. those that meet every goal first; among them, with a p99 goal, the
//     least worst-case peak memory (to 1 MB), then the fewest workers
//     (processes × threads), then the lowest hi(p99): the smallest server
//     that is fast enough; without a p99 goal, the lowest hi(p99), then the
//     least memory: the fastest server within the budgets. Peak memories
//     less than 1 MB apart count as equal because a server with more daemon threads can
//     peak a few hundred KB lower than one with fewer (fewer connections
//     wait in Apache, each holding its pool, docs/model.md §8.2): a
//     difference no budget is set in, which must not outrank a smaller
//     pool that is fast enough;
//  2. then those that meet the memory goal only, by the excess of hi(errors)
//     over the error goal, then hi(p99), then memory: the best a server
//     within the budget can do; the report says which goal binds;
//  3. never one over the memory budget: when every candidate is, the budget
//     is impossible for this traffic (an error naming the least found).
//
// Remaining ties go to the candidate evaluated first.
//
// # The search
//
// Each MPM and mode in play (the scenario's; with AllowMPM the other MPMs;
// with AllowDaemon, daemon mode) is a family with one capacity key k and
// an inner parameter t:
//
//	prefork, embedded      k = MaxRequestWorkers = ServerLimit         t: none
//	worker/event, embedded k = ServerLimit (processes)                 t = ThreadsPerChild ∈ {5, current, 25}
//	                       MaxRequestWorkers = k·t
//	daemon mode            k = threads of the WSGIDaemonProcess group  t = processes ∈ {1, 2, cores, 2·cores}
//
// For each t, a one-dimensional search on k over [1, H]: H is the larger
// of the current setting and one more than the processes that fit the
// budget by the static memory model, N = ⌊(budget − shared)/per-process⌋
// (at most 1024), and 64 threads for daemons. It evaluates a coarse grid
// of 8 values spaced evenly on a log scale, k_i = round(H^(i/7)), then
// refines: with k* the best evaluated and k⁻ < k* < k⁺ its evaluated
// neighbours, it evaluates ⌊(k⁻+k*)/2⌋ and ⌊(k*+k⁺)/2⌋, and repeats until
// both neighbours are adjacent to k*. When k* meets every goal and a p99
// goal ranks by memory, which grows with k, only the lower side is
// refined: this is a bisection for the smallest k that meets the goals,
// exact when feasibility is monotone in k (more daemon threads, more
// workers), and a local search where it is not (the prefork spike, where
// too many children make the imports share the cores and p99 worse).
// Every evaluated point is cached; the cost is about 8 + 2·log₂(H)
// candidates per t. Daemon families stop at the first process count whose
// best meets every goal when a p99 goal is given (more processes cost an
// app's memory each). Then the winner's extras are tried — prefork:
// StartServers = MinSpareServers = k/4 with MaxSpareServers k/2, and all k
// children started; worker/event: every process started; daemon mode:
// queue-timeout 5, 15 and 45 s — and the best of all is the
// recommendation. KeepAliveTimeout is not searched: the model gives a new
// connection no cost (no TLS handshake), so it could not weigh what
// keep-alive buys against the workers it holds.
//
// # Verification and comparisons
//
// The recommendation runs again in replications R … 2R−1 (seeds
// sweep.Seed(seed, r)), which the search never saw, and is judged again;
// Report.Verified says whether it still meets the goals. The current
// settings, Debian's defaults for the MPM, apache2buddy's formula
// (MaxRequestWorkers = RAM ÷ the largest process's RSS, prefork only) and
// mod_wsgi-express's defaults (event, daemon mode processes=1 threads=5,
// queue-timeout 45 s, request-timeout 60 s) run in the search's
// replications, so their differences from the recommendation are the
// settings', not noise, each with the goals it fails. Report.Front is the
// Pareto front of worst peak memory against hi(p99) among the candidates
// within the budget: the trade-offs, when nothing meets every goal.
//
// Results do not depend on the number of workers (sweep.Evaluate).
package advise
