package runner

// Phases a run reports progress for, in the order they start. The build
// and check phases count targets; PhaseLoadSchemas, between them, is
// reported once with total 0 (it has no count).
const (
	PhaseBuild       = "building"
	PhaseLoadSchemas = "loading schemas"
	PhaseSchemas     = "schemas"
	PhasePolicies    = "policies"
)

// Progress is told each time one more target of total finished phase. It
// is called from several goroutines at once. Nil reports nothing.
type Progress func(phase string, total int)

func (p Progress) step(phase string, total int) {
	if p != nil {
		p(phase, total)
	}
}
