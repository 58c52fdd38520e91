package profile

import (
	"math/bits"
	"slices"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// MaxExactModules is the largest number of candidate modules (modules that
// teach at least one gap skill, after dominated ones are dropped) for which
// Plan searches for the smallest cover exactly; beyond it, or beyond 64 gap
// skills, Plan is greedy.
const MaxExactModules = 20

// LearningPlan is the smallest set of modules that covers a gap.
type LearningPlan struct {
	// Catalogue, Institution and Programme identify the catalogue used.
	Catalogue   string `json:"catalogue"`
	Institution string `json:"institution"`
	Programme   Text   `json:"programme"`
	// Modules are the modules to follow, in catalogue order.
	Modules []PlannedModule `json:"modules"`
	// StudyLoad is the sum of the modules' study loads, in EC.
	StudyLoad float64 `json:"study_load"`
	// NextIntake is the first date the plan can start: the earliest next
	// start among its modules. Zero when there are no modules.
	NextIntake *ppp.Date `json:"next_intake,omitempty"`
	// Uncovered are gap skills no module teaches.
	Uncovered []string `json:"uncovered"`
	// Optimal reports that the plan was found by exact search (fewest
	// modules, then the least study load); false means greedy, at most
	// H(d) ≤ 1 + ln d times the optimum number of modules, d being the
	// largest number of gap skills one module teaches.
	Optimal bool `json:"optimal"`
}

// PlannedModule is one module of a plan.
type PlannedModule struct {
	Code      string  `json:"code"`
	Title     Text    `json:"title"`
	StudyLoad float64 `json:"study_load"`
	// Covers are the gap skills this module teaches.
	Covers []string `json:"covers"`
	// NextStart is the module's first start on or after the plan's date.
	NextStart ppp.Date `json:"next_start"`
}

// Plan returns the smallest set of modules that teaches every skill of gap
// that the catalogue teaches at all (set cover: fewest modules, then least
// study load, then catalogue order). For up to MaxExactModules candidate
// modules and 64 gap skills the search is exact; beyond that it is the
// greedy approximation. today is the date next starts are counted from.
func (c *Catalogue) Plan(gap []string, today ppp.Date) *LearningPlan {
	lp := &LearningPlan{Catalogue: c.ID, Institution: c.Institution, Programme: c.Programme, Modules: []PlannedModule{}, Uncovered: []string{}, Optimal: true}
	var skills []string
	for _, s := range gap {
		if !slices.Contains(skills, s) {
			skills = append(skills, s)
		}
	}
	// Candidates: modules teaching at least one gap skill.
	type cand struct {
		idx    int
		covers []int
	}
	var cands []cand
	taught := make([]bool, len(skills))
	for i, m := range c.Modules {
		var cv []int
		for j, s := range skills {
			if slices.Contains(m.Skills, s) {
				cv = append(cv, j)
				taught[j] = true
			}
		}
		if len(cv) > 0 {
			cands = append(cands, cand{i, cv})
		}
	}
	for j, s := range skills {
		if !taught[j] {
			lp.Uncovered = append(lp.Uncovered, s)
		}
	}
	// Drop dominated candidates: covering a subset of another's skills at
	// no smaller study load (the earlier one wins a tie).
	subset := func(a, b []int) bool {
		for _, x := range a {
			if !slices.Contains(b, x) {
				return false
			}
		}
		return true
	}
	var kept []cand
	for i, a := range cands {
		dominated := false
		for j, b := range cands {
			if i == j || !subset(a.covers, b.covers) {
				continue
			}
			la, lb := c.Modules[a.idx].StudyLoad, c.Modules[b.idx].StudyLoad
			if len(b.covers) > len(a.covers) && lb <= la || len(b.covers) == len(a.covers) && (lb < la || lb == la && j < i) {
				dominated = true
				break
			}
		}
		if !dominated {
			kept = append(kept, a)
		}
	}
	var chosen []int // indexes into kept
	if len(kept) <= MaxExactModules && len(skills) <= 64 {
		masks := make([]uint64, len(kept))
		var all uint64
		for i, k := range kept {
			for _, j := range k.covers {
				masks[i] |= 1 << j
			}
			all |= masks[i]
		}
		best, bestLoad := []int(nil), 0.0
		for size := 1; size <= len(kept) && best == nil; size++ {
			combo := make([]int, 0, size)
			var rec func(start int, mask uint64, load float64)
			rec = func(start int, mask uint64, load float64) {
				if len(combo) == size {
					if mask == all && (best == nil || load < bestLoad) {
						best, bestLoad = slices.Clone(combo), load
					}
					return
				}
				// Prune: the remaining picks cannot cover what is missing.
				need := bits.OnesCount64(all &^ mask)
				for i := start; i <= len(kept)-(size-len(combo)); i++ {
					if need > 0 && masks[i]&^mask == 0 {
						continue
					}
					combo = append(combo, i)
					rec(i+1, mask|masks[i], load+c.Modules[kept[i].idx].StudyLoad)
					combo = combo[:len(combo)-1]
				}
			}
			rec(0, 0, 0)
		}
		chosen = best
	} else {
		lp.Optimal = false
		covered := make([]bool, len(skills))
		left := 0
		for j := range skills {
			if taught[j] {
				left++
			}
		}
		used := make([]bool, len(kept))
		for left > 0 {
			bi, bn := -1, 0
			for i, k := range kept {
				if used[i] {
					continue
				}
				n := 0
				for _, j := range k.covers {
					if !covered[j] {
						n++
					}
				}
				if n > bn || n == bn && n > 0 && c.Modules[k.idx].StudyLoad < c.Modules[kept[bi].idx].StudyLoad {
					bi, bn = i, n
				}
			}
			if bi < 0 {
				break
			}
			used[bi] = true
			chosen = append(chosen, bi)
			for _, j := range kept[bi].covers {
				if !covered[j] {
					covered[j] = true
					left--
				}
			}
		}
	}
	slices.SortFunc(chosen, func(a, b int) int { return kept[a].idx - kept[b].idx })
	for _, i := range chosen {
		m := c.Modules[kept[i].idx]
		pm := PlannedModule{Code: m.Code, Title: m.Title, StudyLoad: m.StudyLoad, NextStart: c.NextStart(m, today)}
		for _, j := range kept[i].covers {
			pm.Covers = append(pm.Covers, skills[j])
		}
		lp.Modules = append(lp.Modules, pm)
		lp.StudyLoad += m.StudyLoad
		if lp.NextIntake == nil || pm.NextStart.Before(*lp.NextIntake) {
			d := pm.NextStart
			lp.NextIntake = &d
		}
	}
	return lp
}
