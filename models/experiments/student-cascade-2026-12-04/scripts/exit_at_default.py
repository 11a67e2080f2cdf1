"""Step 5: student (b) with its exit measured against the default thresholds (heated capped at heat_pair 0.6).

Usage: python .../exit_at_default.py   (reads /work/student/teacher.npz and student-l2z.npz)
"""
import json, numpy as np
t = dict(np.load("/work/student/teacher.npz")); s = dict(np.load("/work/student/student-l2z.npz"))
strict = np.array([0.25,0.2,0.3,0.25]); default = np.array([0.7,0.65,0.75,0.98])
for base_name, base in (("default", default),):
    for rec in (0.99, 0.995, 0.998):
        ratio = lambda k: (s[k] / np.minimum(base, [1,1,1,0.6])).max(1)
        tune = ["dev", "spent_blind"]
        r = np.concatenate([ratio(k) for k in tune]); f = np.concatenate([(t[k] >= default).any(1) for k in tune])
        tau = min(1.0, np.quantile(r[f], 1 - rec))
        print(f"recall {rec} tau {tau:.4f} floors {np.round(tau*np.minimum(base,[1,1,1,0.6]),3)}")
        for k in s:
            st = ratio(k) < tau
            fd = (t[k] >= default).any(1); fs = (t[k] >= strict).any(1)
            print(f"  {k:30} settled {st.mean():.3f}  default {fd.sum():4} missed {(fd&st).sum():3}  strict {fs.sum():4} missed {(fs&st).sum():3}")
