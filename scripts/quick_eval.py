import json, re, sys, glob, os
sys.path.insert(0, '/work/main')
from kg.ingest import read_source
from kg.extract import extract_documents
STOP = set("a an the of in on at by for with from to and or as its their his her this that these those is are be some any".split())
def sing(w):
    if len(w)>3 and w.endswith('ies'): return w[:-3]+'y'
    if len(w)>3 and w.endswith('s') and not re.search(r'(ss|us|is|ics|sis|diabetes)$', w): return w[:-1]
    return w
def toks(s): return {sing(t) for t in re.findall(r"[a-z0-9]+", s.lower()) if t not in STOP}
def match(a,b):
    A,B=toks(a),toks(b)
    if not A or not B: return False
    if len(A&B)/len(A|B)>=0.5: return True
    small,big=(A,B) if len(A)<=len(B) else (B,A)
    return small<=big and len(big)-len(small)<=2
gold_dir, txt_dir = sys.argv[1], sys.argv[2]
only = sys.argv[3] if len(sys.argv)>3 else None
docs=[read_source(f) for f in sorted(glob.glob(txt_dir+'/*.txt')) if not only or only in f]
tot={k:[0,0,0] for k in ('synonyms','risk_factors','treatment_areas','prevalence')}
neg=0; dates=[0,0]; comm=[0,0]; cond=[0,0]
for r in extract_documents(docs):
    stem=os.path.basename(r.source)[:-4]
    g=json.load(open(f'{gold_dir}/{stem}.json'))
    out=[]
    cond[1]+=1; cond[0]+= match(r.condition.label, g['condition'])
    if not match(r.condition.label, g['condition']): out.append(f"  COND {r.condition.label!r} vs {g['condition']!r}")
    for k in ('synonyms','risk_factors','treatment_areas'):
        req=list(g[k]['required']); acc=g[k]['acceptable']; used=set()
        for m in getattr(r,k):
            lab=m.label
            hit=next((i for i,x in enumerate(req) if i not in used and match(lab,x)),None)
            if hit is not None: used.add(hit); tot[k][0]+=1; continue
            if any(match(lab,x) for x in acc) or any(match(lab,x) for i,x in enumerate(req)): continue
            tot[k][1]+=1
            if any(match(lab,x) for x in g['must_not_extract']): neg+=1; out.append(f"  NEG {k}: {lab!r}")
            else: out.append(f"  FP {k}: {lab!r}")
        for i,x in enumerate(req):
            if i not in used: tot[k][2]+=1; out.append(f"  FN {k}: {x!r}")
    gp=list(g['prevalence']); used=set()
    def close(a,b): 
        if a is None or b is None: return a is b
        return abs(a-b)<=0.01*max(abs(a),abs(b)) or (a==0 and b==0)
    for p in r.prevalence:
        hit=next((i for i,x in enumerate(gp) if i not in used and ((x.get('count') is not None and x.get('count')==p.count) or (x.get('count') is None and close(x['low'],p.low) and close(x['high'],p.high)))),None)
        if hit is None: tot['prevalence'][1]+=1; out.append(f"  FP prev: {p.text!r} {p.low} {p.high} {p.count} {p.population}")
        else: used.add(hit); tot['prevalence'][0]+=1
    for i,x in enumerate(gp):
        if i not in used: tot['prevalence'][2]+=1; out.append(f"  FN prev: {x}")
    dates[1]+=1; dates[0]+= r.last_updated==g['last_updated']
    if r.last_updated!=g['last_updated']: out.append(f"  DATE {r.last_updated} vs {g['last_updated']}")
    comm[1]+=1; comm[0]+= r.community_count==g['community_count']
    if r.community_count!=g['community_count']: out.append(f"  COMM {r.community_count} vs {g['community_count']}")
    if out: print(stem); print("\n".join(out))
for k,(tp,fp,fn) in tot.items():
    p=tp/(tp+fp) if tp+fp else 1; rc=tp/(tp+fn) if tp+fn else 1
    print(f"{k:16s} P={p:.3f} R={rc:.3f} F1={2*p*rc/(p+rc) if p+rc else 0:.3f}  tp={tp} fp={fp} fn={fn}")
print("neg errors", neg, "dates", dates, "community", comm, "cond", cond)
