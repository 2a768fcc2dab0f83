package autoruns

import (
	"context"
	"fmt"
	"strings"

	"github.com/runkeyhunt/runkeyhunt/tables/evidence"
	"github.com/runkeyhunt/runkeyhunt/tables/indicators"
)

// ImageEvidence is the image_* columns: the file the autorun really runs
// (see evidence.ImageTarget), as the scanner's ImageInspector found it.
type ImageEvidence struct {
	ImageExists       string // "1", "0", or "" when unknown
	ImageSize         int64
	ImageSHA256       string
	ImageSigned       string
	ImageSigner       string
	ImageOriginalName string
	ImageCompany      string
}

// addImageEvidence fills the image columns of a location's rows and adds
// the image indicators to their scores. Rows of one value share one
// inspection.
func (s *Scanner) addImageEvidence(ctx context.Context, rows []Row, env map[string]string) {
	if s.Images == nil {
		return
	}
	seen := map[string]evidence.Evidence{}
	for i := range rows {
		r := &rows[i]
		target := evidence.ImageTarget(r.Data, env)
		if target.Path == "" || strings.Contains(target.Path, "%") {
			// No file, or one named through a variable this host's
			// environment does not define: nothing to inspect.
			continue
		}
		ev, ok := seen[target.Path]
		if !ok {
			var err error
			ev, err = s.Images.Inspect(ctx, target)
			if err != nil {
				s.warn(fmt.Errorf("image of %s: %w", r.Path, err))
			}
			seen[target.Path] = ev
		}
		r.ImageEvidence = ImageEvidence{
			ImageExists: ev.Exists.Column(), ImageSize: ev.Size, ImageSHA256: ev.SHA256,
			ImageSigned: ev.Signature, ImageSigner: ev.Signer,
			ImageOriginalName: ev.OriginalName, ImageCompany: ev.Company,
		}
		hits := evidence.Indicators(ev)
		if len(hits) == 0 {
			continue
		}
		set := indicators.Set{}
		if r.Indicators != "" {
			set.Add(strings.Split(r.Indicators, ",")...)
		}
		for _, h := range hits {
			set.Add(h.ID)
		}
		r.Indicators = set.String()
		r.Score = set.Score()
		r.Verdict = indicators.Verdict(r.Score)
	}
}
