package devstack_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes the element that has the keyboard focus.
type focused struct {
	Tag     string `json:"tag"`
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Value   string `json:"value"`
	Checked bool   `json:"checked"`
	// Choice: a checkbox or radio button in the form of the share button.
	Choice bool `json:"choice"`
}

// focusJS only reads which element has the focus; it changes nothing.
const focusJS = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'body'};
  const f = e.closest('form');
  return {tag: e.tagName.toLowerCase(), id: e.id || '', type: e.type || '', name: e.name || '',
    value: e.value || '', checked: !!e.checked,
    choice: (e.type === 'checkbox' || e.type === 'radio') && !!(f && f.querySelector('#send'))};
})()`

// errKeyboard marks a consent screen that cannot be used with the
// keyboard alone.
var errKeyboard = errors.New("consent screen by keyboard")

// shareByKeyboard uses the consent screen with the keyboard only, as a
// person without a mouse does: Tab from the top of the page to every
// choice (Space toggles a checkbox twice, so the wallet's own choice
// stands, or selects a radio button), on to the share button, Shift-Tab
// back and Tab forward again, then Enter shares. It returns the number
// of choices it passed.
func shareByKeyboard(ctx context.Context) (int, error) {
	press := func(key string, opts ...chromedp.KeyOption) (focused, error) {
		if _, err := run(ctx, chromedp.KeyEvent(key, opts...)); err != nil {
			return focused{}, fmt.Errorf("key %q: %w", key, err)
		}
		return run(ctx, chromedp.Evaluate[focused](focusJS))
	}
	seen := map[string]bool{}
	for range 80 {
		f, err := press(kb.Tab)
		if err != nil {
			return len(seen), err
		}
		if f.Choice && !seen[f.Name+"="+f.Value] {
			seen[f.Name+"="+f.Value] = true
			g, err := press(" ")
			if err != nil {
				return len(seen), err
			}
			switch {
			case f.Type == "radio" && !g.Checked:
				return len(seen), fmt.Errorf("%w: Space does not select the choice %s", errKeyboard, f.Name)
			case f.Type == "checkbox" && g.Checked == f.Checked:
				return len(seen), fmt.Errorf("%w: Space does not toggle the choice %s", errKeyboard, f.Name)
			case f.Type == "checkbox":
				if g, err = press(" "); err != nil {
					return len(seen), err
				}
				if g.Checked != f.Checked {
					return len(seen), fmt.Errorf("%w: a second Space does not toggle the choice %s back", errKeyboard, f.Name)
				}
			}
		}
		if f.ID != "send" {
			continue
		}
		if len(seen) == 0 {
			return 0, fmt.Errorf("%w: Tab reaches the share button before any choice", errKeyboard)
		}
		back, err := press(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
		if err != nil {
			return len(seen), err
		}
		if back.ID == "send" {
			return len(seen), fmt.Errorf("%w: Shift-Tab stays on the share button", errKeyboard)
		}
		again, err := press(kb.Tab)
		if err != nil {
			return len(seen), err
		}
		if again.ID != "send" {
			return len(seen), fmt.Errorf("%w: Tab after Shift-Tab goes to %s#%s, not to the share button", errKeyboard, again.Tag, again.ID)
		}
		if _, err := run(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
			return len(seen), fmt.Errorf("key Enter: %w", err)
		}
		return len(seen), nil
	}
	return len(seen), fmt.Errorf("%w: 80 times Tab and the share button never had the focus", errKeyboard)
}
